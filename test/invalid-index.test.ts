import pg from 'pg';
import { DdlLockTimeoutError, InvalidIndexError, Migrator, defineRevision } from 'upshift';
import type { TestDatabase } from './helpers/databases.ts';
import { onPostgres } from './helpers/each-dialect.ts';
import { versionRows } from './helpers/schema.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

const base = defineRevision({
  id: 'idx_base',
  parents: [],
  async up(ctx) {
    await ctx.sql('create table busy (id integer primary key, v integer)');
    await ctx.sql('insert into busy select g, g % 10 from generate_series(1, 1000) g');
  },
});
const buildIndex = defineRevision({
  id: 'idx_build',
  parents: ['idx_base'],
  transaction: false,
  async up(ctx) {
    await ctx.sql('create index concurrently if not exists busy_v on busy (v)');
  },
});

async function client(db: TestDatabase, name: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.location, application_name: name });
  await c.connect();
  return c;
}

async function indexState(db: TestDatabase, name: string): Promise<string> {
  const rows = await db.query<{ valid: boolean }>(
    'select i.indisvalid as valid from pg_index i where i.indexrelid = to_regclass(?)'.replace('?', '$1'),
    [name],
  );
  return rows.length === 0 ? 'missing' : rows[0]!.valid ? 'valid' : 'INVALID';
}

for (const fault of ['pg_cancel_backend', 'pg_terminate_backend'] as const)
  onPostgres(
    `a CREATE INDEX CONCURRENTLY stopped by ${fault} leaves an INVALID index; the next upgrade drops and rebuilds it`,
    async (t, db) => {
      const orm = await db.orm();
      const { logger, lines } = memoryLogger();
      await new Migrator({ orm, revisions: [base], logger }).upgrade();
      // An old snapshot: the concurrent build waits for it after creating its (still INVALID) index.
      const snapshot = await client(db, 'test old snapshot');
      await snapshot.query('begin isolation level repeatable read');
      await snapshot.query('select count(*) from busy');
      const upgrade = new Migrator({ orm, revisions: [base, buildIndex], logger }).upgrade().catch((e: unknown) => e);
      let pid: number | undefined;
      for (let i = 0; i < 200 && pid === undefined; i++) {
        const rows = await db.query<{ pid: number }>(
          "select pid from pg_stat_activity where query ilike 'create index concurrently%' and wait_event_type = 'Lock' and to_regclass('busy_v') is not null",
        );
        pid = rows[0]?.pid;
        if (pid === undefined) await new Promise((r) => setTimeout(r, 25));
      }
      t.ok(pid, 'the build is waiting for the old snapshot');
      await db.query(`select ${fault}($1)`, [pid]);
      const error = await upgrade;
      t.match(
        error,
        fault === 'pg_cancel_backend'
          ? { code: 'UPSHIFT_REVISION_FAILED', revisionId: 'idx_build', rolledBack: false }
          : { code: 'UPSHIFT_DATABASE_ERROR', message: /lost its connection while applying revision "idx_build"/ },
        'the killed build fails the upgrade, typed',
      );
      await snapshot.end();
      t.equal(await indexState(db, 'busy_v'), 'INVALID', 'the killed build left an INVALID index');
      t.same(await versionRows(db), ['idx_base']);

      const again = await new Migrator({ orm, revisions: [base, buildIndex], logger }).upgrade();
      t.same(again.applied, ['idx_build']);
      t.equal(await indexState(db, 'busy_v'), 'valid', '"if not exists" did not keep the broken index: it was rebuilt');
      t.ok(
        lines.some((l) => l.level === 40 && /busy_v is INVALID/.test(String(l.msg))),
        'a warning says it was dropped and rebuilt',
      );
    },
  );

onPostgres(
  'a revision that swallows a failed concurrent build is InvalidIndexError and not recorded',
  async (t, db) => {
    const orm = await db.orm();
    const { logger } = memoryLogger();
    const swallowing = defineRevision({
      id: 'idx_unique',
      parents: ['idx_base'],
      transaction: false,
      async up(ctx) {
        // v repeats: the unique build fails and leaves busy_v_unique INVALID.
        await ctx.sql('create unique index concurrently busy_v_unique on busy (v)').catch(() => undefined);
      },
    });
    const error = await new Migrator({ orm, revisions: [base, swallowing], logger }).upgrade().catch((e: unknown) => e);
    t.type(error, InvalidIndexError);
    t.match(error, { code: 'UPSHIFT_INVALID_INDEX', revisionId: 'idx_unique', indexes: ['busy_v_unique'] });
    t.same(await versionRows(db), ['idx_base'], 'not recorded');
  },
);

onPostgres('transaction: false statements get the lock timeout and retries one by one', async (t, db) => {
  const orm = await db.orm();
  const { logger, lines } = memoryLogger();
  await new Migrator({ orm, revisions: [base], logger }).upgrade();
  const held = await client(db, 'test blocker');
  await held.query('begin');
  await held.query('select count(*) from busy');
  const alter = defineRevision({
    id: 'idx_alter',
    parents: ['idx_base'],
    transaction: false,
    async up(ctx) {
      await ctx.sql('alter table busy add column c integer');
    },
  });
  const error = await new Migrator({ orm, revisions: [base, alter], logger, ddl: { lockTimeoutMs: 150, retries: 1 } })
    .upgrade()
    .catch((e: unknown) => e);
  t.type(error, DdlLockTimeoutError);
  t.match(error, { revisionId: 'idx_alter', attempts: 2, blocker: { applicationName: 'test blocker' } });
  setTimeout(() => void held.end(), 500);
  const result = await new Migrator({
    orm,
    revisions: [base, alter],
    logger,
    ddl: { lockTimeoutMs: 150, retries: 20 },
  }).upgrade();
  t.same(result.applied, ['idx_alter']);
  t.ok(
    lines.some((l) => /retrying in/.test(String(l.msg))),
    'retried while the blocker held on',
  );
});
