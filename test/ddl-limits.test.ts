import pg from 'pg';
import { ConfigurationError, DdlLockTimeoutError, Migrator, defineRevision, type Revision } from 'upshift';
import type { TestDatabase } from './helpers/databases.ts';
import { eachDialect, onPostgres } from './helpers/each-dialect.ts';
import { settleWithin } from './helpers/faults.ts';
import { versionRows } from './helpers/schema.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

const base = defineRevision({
  id: 'ddl_base',
  parents: [],
  async up(ctx) {
    await ctx.sql('create table busy (id integer primary key, v integer)');
  },
});
const addColumn = (own?: Revision['ddl']) =>
  defineRevision({
    id: 'ddl_add',
    parents: ['ddl_base'],
    ...(own ? { ddl: own } : {}),
    async up(ctx) {
      await ctx.sql('alter table busy add column c integer');
    },
  });

/** Another application's transaction that has read `busy` and stays open: it holds ACCESS SHARE. */
async function blocker(db: TestDatabase): Promise<{ pid: number; end(): Promise<void> }> {
  const client = new pg.Client({ connectionString: db.location, application_name: 'test blocker' });
  await client.connect();
  await client.query('begin');
  await client.query('select count(*) from busy');
  const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  return { pid: rows[0]!.pid, end: () => client.end() };
}

/** Reads `busy` in a loop on a connection of its own; the worst latency of one read, in ms. */
function reader(db: TestDatabase): { stop(): Promise<number> } {
  const client = new pg.Client({ connectionString: db.location, application_name: 'test reader' });
  let running = true;
  let worst = 0;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const started = performance.now();
      await client.query('select count(*) from busy');
      worst = Math.max(worst, performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
    await client.end();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return worst;
    },
  };
}

async function columns(db: TestDatabase): Promise<string[]> {
  const rows = await db.query<{ column_name: string }>(
    "select column_name from information_schema.columns where table_name = 'busy' order by ordinal_position",
  );
  return rows.map((r) => r.column_name);
}

onPostgres(
  'a revision behind a long transaction waits at most lock_timeout, retries, and succeeds once the blocker ends',
  async (t, db) => {
    const orm = await db.orm();
    const { logger, lines } = memoryLogger();
    await new Migrator({ orm, revisions: [base], logger }).upgrade();
    const held = await blocker(db);
    const load = reader(db);
    setTimeout(() => void held.end(), 1_200);
    const m = new Migrator({ orm, revisions: [base, addColumn()], logger, ddl: { lockTimeoutMs: 300, retries: 20 } });
    const result = await m.upgrade();
    const worst = await load.stop();
    t.same(result.applied, ['ddl_add']);
    t.same(await columns(db), ['id', 'v', 'c']);
    const retries = lines.filter((l) => /retrying in/.test(String(l.msg)));
    t.ok(retries.length >= 1, `retried ${retries.length} time(s)`);
    t.match(
      retries[0],
      { revision: 'ddl_add', blocker: { pid: held.pid, applicationName: 'test blocker' } },
      'each retry names the blocking backend',
    );
    t.ok(
      worst < 300 + 250,
      `the table's readers were never blocked longer than the lock timeout plus a margin (worst read ${Math.round(worst)} ms)`,
    );
  },
);

onPostgres('a blocker that stays: DdlLockTimeoutError naming it after the retries, nothing applied', async (t, db) => {
  const orm = await db.orm();
  const { logger } = memoryLogger();
  await new Migrator({ orm, revisions: [base], logger }).upgrade();
  const held = await blocker(db);
  t.teardown(() => held.end());
  const m = new Migrator({ orm, revisions: [base, addColumn()], logger, ddl: { lockTimeoutMs: 150, retries: 2 } });
  const settled = await settleWithin(m.upgrade(), 10_000);
  t.equal(settled.status, 'rejected');
  const error = (settled as { error: unknown }).error;
  t.type(error, DdlLockTimeoutError);
  t.match(error, {
    code: 'UPSHIFT_DDL_LOCK_TIMEOUT',
    revisionId: 'ddl_add',
    attempts: 3,
    lockTimeoutMs: 150,
    blocker: { pid: held.pid, applicationName: 'test blocker' },
  });
  t.match((error as Error).message, new RegExp(`pid ${held.pid}`));
  t.same(await versionRows(db), ['ddl_base']);
  t.same(await columns(db), ['id', 'v'], 'each attempt was rolled back');
});

onPostgres("a revision's own ddl overrides the Migrator's: a short lock timeout and no retry", async (t, db) => {
  const orm = await db.orm();
  const { logger } = memoryLogger();
  await new Migrator({ orm, revisions: [base], logger }).upgrade();
  const held = await blocker(db);
  t.teardown(() => held.end());
  const m = new Migrator({
    orm,
    revisions: [base, addColumn({ lockTimeoutMs: 100, retries: 0 })],
    logger,
    ddl: { lockTimeoutMs: 20_000, retries: 9 },
  });
  const started = performance.now();
  const error = await m.upgrade().catch((e: unknown) => e);
  t.match(error, { code: 'UPSHIFT_DDL_LOCK_TIMEOUT', attempts: 1, lockTimeoutMs: 100 });
  t.ok(performance.now() - started < 5_000, 'failed after its own 100 ms, not the Migrator 20 s');
});

onPostgres("transaction 'all': the whole run is retried and applied once", async (t, db) => {
  const orm = await db.orm();
  const { logger } = memoryLogger();
  const held = await (async () => {
    await new Migrator({ orm, revisions: [base], logger }).upgrade();
    return blocker(db);
  })();
  setTimeout(() => void held.end(), 700);
  const second = defineRevision({
    id: 'ddl_more',
    parents: ['ddl_add'],
    async up(ctx) {
      await ctx.sql('alter table busy add column d integer');
    },
  });
  const m = new Migrator({
    orm,
    revisions: [base, addColumn(), second],
    logger,
    transaction: 'all',
    ddl: { lockTimeoutMs: 200, retries: 20 },
  });
  const result = await m.upgrade();
  t.same(result.applied, ['ddl_add', 'ddl_more'], 'each revision reported once despite the retries');
  t.same(await versionRows(db), ['ddl_add', 'ddl_base', 'ddl_more'].sort());
  t.same(await columns(db), ['id', 'v', 'c', 'd']);
});

onPostgres('the limits are SET LOCAL: a revision sees them, the pool connection keeps none', async (t, db) => {
  const orm = await db.orm();
  let seen: unknown[] = [];
  const probe = defineRevision({
    id: 'ddl_probe',
    parents: [],
    ddl: { statementTimeoutMs: 12_345 },
    async up(ctx) {
      seen = await ctx.sql("select current_setting('lock_timeout') as l, current_setting('statement_timeout') as s");
    },
  });
  await new Migrator({ orm, revisions: [probe], logger: memoryLogger().logger, ddl: { lockTimeoutMs: 750 } }).upgrade();
  t.same(seen, [{ l: '750ms', s: '12345ms' }]);
  const after = await orm.em.getConnection().execute("select current_setting('lock_timeout') as l");
  t.same(after, [{ l: '0' }], 'outside the revision the setting is the server default again');
});

eachDialect('ddl options are validated; on SQLite they change nothing', async (t, db) => {
  const orm = await db.orm();
  t.throws(() => new Migrator({ orm, revisions: [base], ddl: { lockTimeoutMs: -1 } }), ConfigurationError);
  t.throws(() => new Migrator({ orm, revisions: [base], ddl: { lockTimout: 5 } as never }), ConfigurationError);
  t.throws(() => defineRevision({ ...addColumn(), ddl: { retries: 1.5 } }), { code: 'UPSHIFT_INVALID_REVISION' });
  const result = await new Migrator({
    orm,
    revisions: [base, addColumn({ retries: 0 })],
    logger: memoryLogger().logger,
    ddl: { lockTimeoutMs: 100 },
  }).upgrade();
  t.same(result.applied, ['ddl_base', 'ddl_add']);
});
