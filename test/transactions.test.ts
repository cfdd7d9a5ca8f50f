import { defineEntity, p } from '@mikro-orm/core';
import { Migrator, RevisionFailedError, defineRevision, type Revision } from 'upshift';
import { eachDialect } from './helpers/each-dialect.ts';
import { chain } from './helpers/revisions.ts';
import { userTables, versionRows } from './helpers/schema.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

const Note = defineEntity({
  name: 'Note',
  tableName: 'note',
  properties: { id: p.integer().primary(), text: p.string() },
});

/** Five revisions; the first creates `note`, each writes a Note through ctx.em; the third throws. */
function fiveWithEmWrites(): Revision[] {
  const [first, ...rest] = chain(5, { failAt: 3 });
  const withNote = (r: Revision, i: number, createsNote: boolean) =>
    defineRevision({
      ...r,
      async up(ctx) {
        if (createsNote) await ctx.sql('create table note (id integer primary key, text varchar(255) not null)');
        ctx.em.create(Note, { id: i, text: `from ${r.id}` });
        await ctx.em.flush();
        await r.up(ctx);
      },
    });
  return [withNote(first!, 1, true), ...rest.map((r, i) => withNote(r, i + 2, false))];
}

eachDialect("transaction 'each': a failing third revision leaves the first two applied", async (t, db) => {
  const orm = await db.orm([Note]);
  const m = new Migrator({ orm, revisions: fiveWithEmWrites(), logger: memoryLogger().logger });
  const error = await m.upgrade().catch((e: unknown) => e);
  t.type(error, RevisionFailedError);
  t.match(error, { code: 'UPSHIFT_REVISION_FAILED', revisionId: 'rev0003', direction: 'up' });
  t.match((error as Error).cause, { message: 'revision rev0003 fails on purpose' }, 'carries the cause');
  t.same(await versionRows(db), ['rev0001', 'rev0002']);
  t.same(await userTables(db), ['note', 't_rev0001', 't_rev0002'], "rev0003's table was rolled back");
  const notes = await db.query<{ id: number }>('select id from note order by id');
  t.same(notes.map((n) => Number(n.id)), [1, 2], "rev0003's em write was rolled back with it");
  t.same(await m.current(), ['rev0002']);
});

eachDialect("transaction 'all': a failing third revision leaves the database unchanged", async (t, db) => {
  const orm = await db.orm([Note]);
  const m = new Migrator({ orm, revisions: fiveWithEmWrites(), logger: memoryLogger().logger, transaction: 'all' });
  const error = await m.upgrade().catch((e: unknown) => e);
  t.type(error, RevisionFailedError);
  t.match(error, { revisionId: 'rev0003' });
  t.same(await versionRows(db).catch(() => []), [], 'no version row survives');
  t.same(await userTables(db), [], 'no table survives, not even note');
  t.same(await m.current(), []);
});

eachDialect("transaction 'all': a clean run commits every revision", async (t, db) => {
  const orm = await db.orm();
  const m = new Migrator({ orm, revisions: chain(4), logger: memoryLogger().logger, transaction: 'all' });
  t.same((await m.upgrade()).applied, ['rev0001', 'rev0002', 'rev0003', 'rev0004']);
  t.same((await m.downgrade('-2')).reverted, ['rev0004', 'rev0003']);
  t.same(await versionRows(db), ['rev0001', 'rev0002']);
});

eachDialect('a revision without down() cannot be downgraded through', async (t, db) => {
  const orm = await db.orm();
  const [a, b] = chain(2);
  const irreversible = defineRevision({ id: b!.id, parents: [...b!.parents], message: b!.message, up: b!.up });
  const m = new Migrator({ orm, revisions: [a!, irreversible], logger: memoryLogger().logger });
  await m.upgrade();
  await t.rejects(m.downgrade('base'), { code: 'UPSHIFT_IRREVERSIBLE_REVISION', revisionId: 'rev0002' });
  t.same(await versionRows(db), ['rev0001', 'rev0002'], 'nothing was reverted');
});
