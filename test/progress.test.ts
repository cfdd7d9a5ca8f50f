import { Migrator, defineRevision, migrationProgress } from 'upshift';
import pg from 'pg';
import { eachDialect, onPostgres } from './helpers/each-dialect.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

eachDialect(
  'a long revision: migrationProgress() tells "migrating revision X for N s" and a heartbeat is logged',
  async (t, db) => {
    const orm = await db.orm();
    const { logger, lines } = memoryLogger();
    const sleep = db.dialect === 'postgresql' ? 'select pg_sleep(6)' : undefined;
    const slow = defineRevision({
      id: 'slow_one',
      parents: [],
      async up(ctx) {
        if (sleep) await ctx.sql(sleep);
        else await new Promise((r) => setTimeout(r, 6_000));
      },
    });
    t.same(migrationProgress(), [], 'nothing before');
    const upgrade = new Migrator({ orm, revisions: [slow], logger }).upgrade();
    await new Promise((r) => setTimeout(r, 2_200));
    const now = migrationProgress();
    t.match(now, [{ revision: 'slow_one', direction: 'up', message: /^migrating revision slow_one for [23] s$/ }]);
    await upgrade;
    t.same(migrationProgress(), [], 'nothing after');
    t.ok(
      lines.some((l) => l.revision === 'slow_one' && /still running after 5 s/.test(String(l.msg))),
      'a heartbeat after 5 s',
    );
  },
);

onPostgres(
  'a revision queued behind a table lock: the heartbeat names its statement and the Lock it waits on',
  async (t, db) => {
    await db.query('create table busy (id int primary key)');
    const orm = await db.orm();
    const { logger, lines } = memoryLogger();
    const blocker = new pg.Client({ connectionString: db.location });
    await blocker.connect();
    t.teardown(() => blocker.end());
    await blocker.query('begin');
    await blocker.query('lock table busy in access exclusive mode');
    const revision = defineRevision({
      id: 'add_note',
      parents: [],
      async up(ctx) {
        await ctx.sql('alter table busy add column note text');
      },
    });
    const upgrade = new Migrator({
      orm,
      revisions: [revision],
      logger,
      ddl: { lockTimeoutMs: 20_000, statementTimeoutMs: 60_000, retries: 0 },
    }).upgrade();
    await new Promise((r) => setTimeout(r, 1_500));
    t.match(
      migrationProgress(),
      [{ revision: 'add_note', statement: 'alter table busy add column note text' }],
      'migrationProgress() names the statement running, without asking the database',
    );
    await new Promise((r) => setTimeout(r, 4_500));
    const beat = lines.find((l) => l.revision === 'add_note' && /still running/.test(String(l.msg)));
    t.match(beat, {
      statement: 'alter table busy add column note text',
      wait: { state: 'active', waitEventType: 'Lock', waitEvent: 'relation' },
      msg: /still running after 5 s: alter table busy add column note text, waiting on Lock\/relation$/,
    });
    await blocker.query('commit');
    await upgrade;
    const [column] = await db.query(
      "select 1 from information_schema.columns where table_name = 'busy' and column_name = 'note'",
    );
    t.ok(column, 'the revision ran once the blocker committed');
  },
);

onPostgres(
  'CREATE INDEX CONCURRENTLY waiting for an old transaction: the heartbeat finds it by its text',
  async (t, db) => {
    await db.query('create table wide (id int primary key, v int)');
    await db.query('insert into wide select g, g from generate_series(1, 100) g');
    const orm = await db.orm();
    const { logger, lines } = memoryLogger();
    const old = new pg.Client({ connectionString: db.location });
    await old.connect();
    t.teardown(() => old.end());
    // A concurrent build waits for every transaction that holds a snapshot, even one on another table.
    await old.query('begin isolation level repeatable read');
    await old.query('select count(*) from wide');
    const revision = defineRevision({
      id: 'index_v',
      parents: [],
      transaction: false,
      async up(ctx) {
        await ctx.sql('create index concurrently wide_v on wide (v)');
      },
    });
    const upgrade = new Migrator({ orm, revisions: [revision], logger }).upgrade();
    await new Promise((r) => setTimeout(r, 6_000));
    const beat = lines.find((l) => l.revision === 'index_v' && /still running/.test(String(l.msg)));
    t.match(beat, {
      statement: 'create index concurrently wide_v on wide (v)',
      wait: { waitEventType: 'Lock', waitEvent: 'virtualxid' },
    });
    await old.query('commit');
    await upgrade;
    const [valid] = await db.query<{ indisvalid: boolean }>(
      "select indisvalid from pg_index where indexrelid = 'wide_v'::regclass",
    );
    t.equal(valid?.indisvalid, true, 'the index was built, valid');
  },
);
