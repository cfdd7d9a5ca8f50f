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
  t.same(
    notes.map((n) => Number(n.id)),
    [1, 2],
    "rev0003's em write was rolled back with it",
  );
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

eachDialect("transaction 'all': more version rows than one batch statement holds, up and down", async (t, db) => {
  const orm = await db.orm();
  // 1,203 revisions that send no SQL: the version rows are the whole run, written 500 per statement.
  const revisions = Array.from({ length: 1203 }, (_, k) =>
    defineRevision({
      id: `bulk${String(k + 1).padStart(4, '0')}`,
      parents: k === 0 ? [] : [`bulk${String(k).padStart(4, '0')}`],
      message: `bulk ${k + 1}`,
      createdAt: new Date(Date.UTC(2026, 0, 1) + k * 1000).toISOString(),
      async up() {},
      async down() {},
    }),
  );
  const m = new Migrator({ orm, revisions, logger: memoryLogger().logger, transaction: 'all' });
  t.equal((await m.upgrade()).applied.length, 1203);
  const rows = await db.query<{
    id: string;
    parents: string;
    message: string;
    checksum: string;
    duration_ms: number | string;
  }>('select "id", "parents", "message", "checksum", "duration_ms" from "upshift_revisions" order by "id"');
  t.equal(rows.length, 1203, 'every row written');
  t.match(rows[1202], { id: 'bulk1203', parents: 'bulk1202', message: 'bulk 1203', checksum: /^v2:[0-9a-f]{64}$/ });
  t.ok(
    rows.every((r) => Number(r.duration_ms) >= 0),
    'each with its duration',
  );
  t.same((await m.status()).edited, [], "the checksums written are the bundle's");
  t.equal((await m.downgrade('-1002')).reverted.length, 1002);
  t.same(await m.current(), ['bulk0201']);
  t.equal((await versionRows(db)).length, 201, 'exactly the reverted rows are gone');
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
