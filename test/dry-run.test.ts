import pg from 'pg';
import { Migrator, RevisionFailedError, UpshiftError, defineRevision, type Revision } from 'upshift';
import { leftovers, settleWithin, terminateBackends } from './helpers/faults.ts';
import type { TestDatabase } from './helpers/databases.ts';
import { eachDialect, onPostgres } from './helpers/each-dialect.ts';
import { chain } from './helpers/revisions.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

/** Every table, the version rows and the state row: what a dry run must leave exactly as it was. */
async function everything(db: TestDatabase): Promise<unknown> {
  const tables =
    db.dialect === 'postgresql'
      ? await db.query(
          "select schemaname, tablename from pg_tables where schemaname not in ('pg_catalog', 'information_schema') order by 1, 2",
        )
      : await db.query('select type, name, sql from sqlite_master order by name');
  const names = JSON.stringify(tables);
  const versions = names.includes('"upshift_revisions"')
    ? await db.query('select * from "upshift_revisions" order by "id"')
    : null;
  const state = names.includes('upshift_revisions_state')
    ? await db.query('select * from "upshift_revisions_state"')
    : null;
  return { tables, versions, state };
}

eachDialect('a dry run on an empty database leaves it empty and says what would run', async (t, db) => {
  const m = new Migrator({ orm: await db.orm(), revisions: chain(3), logger: memoryLogger().logger });
  const before = await everything(db);
  const result = await m.upgrade(undefined, { dryRun: true });
  t.equal(result.dryRun, true);
  t.same(
    result.revisions.map((r) => [r.id, r.run]),
    [
      ['rev0001', true],
      ['rev0002', true],
      ['rev0003', true],
    ],
  );
  t.same(result.revisions[1]!.statements, ['create table t_rev0002 (id integer primary key)']);
  t.ok(result.revisions.every((r) => r.durationMs >= 0));
  t.same(await everything(db), before, 'no table, no version row, no state row');
  t.same(
    (await m.upgrade()).applied,
    ['rev0001', 'rev0002', 'rev0003'],
    'a real upgrade afterwards applies everything',
  );
});

eachDialect('dry runs of upgrade and downgrade on an applied database change nothing', async (t, db) => {
  const revisions = chain(4, { sideEffects: true });
  const m = new Migrator({ orm: await db.orm(), revisions, logger: memoryLogger().logger });
  await m.upgrade('rev0002');
  const before = await everything(db);
  const up = await m.upgrade('heads', { dryRun: true });
  t.same(
    up.revisions.map((r) => r.id),
    ['rev0003', 'rev0004'],
  );
  t.match(
    up.revisions[0]!.statements,
    ['create table t_rev0003 (id integer primary key)', "insert into side_effects (revision) values ('rev0003')"],
    'parameters inlined',
  );
  t.same(up.current, ['rev0002']);
  t.same(await everything(db), before);
  const down = await m.downgrade('base', { dryRun: true });
  t.same(
    down.revisions.map((r) => r.id),
    ['rev0002', 'rev0001'],
  );
  t.equal(down.direction, 'down');
  t.same(await everything(db), before);
  t.same(
    await db.query('select revision from side_effects order by revision'),
    [{ revision: 'rev0001' }, { revision: 'rev0002' }],
    'side effects rolled back',
  );
  t.same(await m.current(), ['rev0002']);
});

eachDialect('a failing revision in a dry run: typed, and still nothing persists', async (t, db) => {
  const m = new Migrator({ orm: await db.orm(), revisions: chain(3, { failAt: 2 }), logger: memoryLogger().logger });
  const before = await everything(db);
  const error = await m.upgrade(undefined, { dryRun: true }).catch((e: unknown) => e);
  t.type(error, RevisionFailedError);
  t.match(error, { revisionId: 'rev0002' });
  t.same(await everything(db), before);
});

onPostgres('a transaction: false revision is listed as not run', async (t, db) => {
  const [first] = chain(1);
  const concurrently: Revision = defineRevision({
    id: 'idx00001',
    parents: ['rev0001'],
    transaction: false,
    async up({ sql }) {
      await sql('create index concurrently t_idx on t_rev0001 (id)');
    },
  });
  const m = new Migrator({ orm: await db.orm(), revisions: [first!, concurrently], logger: memoryLogger().logger });
  const before = await everything(db);
  const result = await m.upgrade(undefined, { dryRun: true });
  t.match(result.revisions, [
    { id: 'rev0001', run: true },
    { id: 'idx00001', run: false, reason: /transaction: false/, statements: [] },
  ]);
  t.same(await everything(db), before);
});

onPostgres(
  'a dry run whose connection is terminated mid-statement: typed, settles, leaves nothing and no lock',
  async (t, db) => {
    await db.query('create table busy (id int primary key)');
    await db.query('insert into busy select generate_series(1, 50)');
    const blocker = new pg.Client({ connectionString: db.location });
    await blocker.connect();
    t.teardown(() => blocker.end());
    await blocker.query('begin');
    await blocker.query('lock table busy in access exclusive mode');
    const revision = defineRevision({
      id: 'add_note',
      parents: [],
      async up({ sql }) {
        await sql('alter table busy add column note text');
      },
    });
    const orm = await db.orm();
    const m = new Migrator({ orm, revisions: [revision], logger: memoryLogger().logger });
    const before = await everything(db);
    const dry = settleWithin(m.upgrade(undefined, { dryRun: true }), 30_000);
    for (let waited = 0; waited < 15_000; waited += 50) {
      const rows = await terminateBackends(db, "wait_event_type = 'Lock' and query like 'alter table busy%'");
      if (rows > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const settled = await dry;
    t.equal(settled.status, 'rejected', 'the dry run settles');
    t.type(settled.status === 'rejected' && settled.error, UpshiftError, 'with a typed error');
    t.match(settled.status === 'rejected' && settled.error, {
      code: 'UPSHIFT_DATABASE_ERROR',
      revisionId: 'add_note',
      message: /lost its connection during revision "add_note".*Nothing was changed/,
    });
    await blocker.query('commit');
    t.same(await everything(db), before, 'nothing persists');
    t.same(await db.query<{ n: number }>('select count(*)::int as n from busy'), [{ n: 50 }], 'the rows are all there');
    t.equal((await leftovers(db)).advisoryLocks, 0, 'no lock left');
    t.match(await m.upgrade(), { applied: ['add_note'] }, 'a real upgrade afterwards runs it once');
  },
);
