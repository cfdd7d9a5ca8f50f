// Finding 6: a failure outside a revision's own code still reaches the caller as an UpshiftError
// with a stable code and the driver's error as its cause: a COMMIT refused by a deferred foreign
// key or a busy SQLite database, the server dropping every connection, the app closing its ORM,
// the lock connection of a waiting replica killed.
import { defineRevision, Migrator, RevisionFailedError, UpshiftError, type Revision } from 'upshift';
import { eachDialect, onPostgres, type TapTest } from '../helpers/each-dialect.ts';
import { createDatabase } from '../helpers/databases.ts';
import { holdLock } from '../helpers/hold-lock.ts';
import { leftovers, settleWithin, terminateBackends } from '../helpers/faults.ts';
import { chain } from '../helpers/revisions.ts';
import { versionRows } from '../helpers/schema.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';
import t from 'tap';

const SETTLE_MS = 15_000;

async function rejection(t: TapTest, call: Promise<unknown>, what: string): Promise<UpshiftError> {
  const outcome = await settleWithin(call, SETTLE_MS);
  t.equal(outcome.status, 'rejected', `${what}: the call rejects`);
  const error = (outcome.status === 'rejected' ? outcome.error : undefined) as UpshiftError;
  t.type(error, UpshiftError, `${what}: an UpshiftError (${error?.name}: ${error?.message?.slice(0, 200)})`);
  t.match(error?.code, /^UPSHIFT_[A-Z_]+$/, `${what}: with a stable code`);
  t.ok(error?.cause, `${what}: carrying the driver's error as its cause`);
  return error;
}

eachDialect('a deferred foreign key violated at COMMIT: RevisionFailedError, rolled back', async (t, db) => {
  const orphan = defineRevision({
    id: 'orphan1',
    parents: [],
    async up({ sql, dialect }) {
      await sql('create table parent (id integer primary key)');
      if (dialect === 'postgresql') {
        await sql(
          'create table child (id integer primary key, parent_id integer references parent (id) deferrable initially deferred)',
        );
      } else {
        await sql(
          'create table child (id integer primary key, parent_id integer references parent (id) deferrable initially deferred)',
        );
      }
      await sql('insert into child (id, parent_id) values (1, 42)');
    },
  });
  const orm = await db.orm();
  const error = await rejection(
    t,
    new Migrator({ orm, revisions: [orphan], logger: memoryLogger().logger }).upgrade(),
    'deferred FK',
  );
  t.type(error, RevisionFailedError);
  t.equal((error as RevisionFailedError).revisionId, 'orphan1', 'names the revision');
  t.match(error.message, /commit/i, 'and says it failed at COMMIT');
  t.same(await versionRows(db).catch(() => []), [], 'nothing recorded');
  const tables =
    db.dialect === 'postgresql'
      ? await db.query("select tablename from pg_tables where tablename in ('parent', 'child')")
      : await db.query("select name from sqlite_master where name in ('parent', 'child')");
  t.same(tables, [], 'nothing of it remains');
});

t.test('SQLite: "database is locked" at COMMIT (journal mode, a long reader): typed', async (t) => {
  const db = await createDatabase('sqlite');
  t.teardown(() => db.drop());
  const orm = await db.orm();
  const conn = orm.em.getConnection();
  await conn.execute('pragma journal_mode = delete');
  await conn.execute('pragma busy_timeout = 200');
  await new Migrator({ orm, revisions: chain(1), logger: memoryLogger().logger }).upgrade();
  // Another connection reads for a long time: in rollback-journal mode a writer cannot COMMIT meanwhile.
  const { default: Sqlite } = await import('better-sqlite3');
  const reader = new Sqlite(db.location);
  t.teardown(() => reader.close());
  reader.exec('begin');
  reader.prepare('select count(*) from upshift_revisions').get();
  const error = await rejection(
    t,
    new Migrator({ orm, revisions: chain(2), logger: memoryLogger().logger }).upgrade(),
    'busy at COMMIT',
  );
  t.match(error.message, /locked|busy/i, 'the message names the cause');
  reader.exec('rollback');
  t.same(
    (await new Migrator({ orm, revisions: chain(2), logger: memoryLogger().logger }).upgrade()).applied,
    ['rev0002'],
    'once the reader is gone, the same ORM upgrades',
  );
});

onPostgres(
  'the server drops every connection mid-run (a restart, as clients see it): typed, no lock left',
  async (t, db) => {
    const orm = await db.orm();
    const slow: Revision = defineRevision({
      id: 'slow1',
      parents: [],
      async up({ sql }) {
        await sql('create table t_slow (id integer primary key)');
        await sql('select pg_sleep(2)');
      },
    });
    const upgrading = new Migrator({
      orm,
      revisions: [slow],
      logger: memoryLogger().logger,
      lock: { timeoutMs: 5000 },
    }).upgrade();
    await new Promise((resolve) => setTimeout(resolve, 700));
    t.ok((await terminateBackends(db)) >= 2, 'the lock session and the revision connection are ended');
    await rejection(t, upgrading, 'restart');
    t.same(await leftovers(db), { advisoryLocks: 0, openTransactions: 0 });
    t.same(
      (await new Migrator({ orm, revisions: chain(1), logger: memoryLogger().logger }).upgrade()).applied,
      ['rev0001'],
      'the ORM reconnects, and the next call works',
    );
  },
);

eachDialect('the ORM closed by a shutdown handler while a revision runs: typed', async (t, db) => {
  const orm = await db.orm();
  const slow: Revision = defineRevision({
    id: 'slow1',
    parents: [],
    async up({ sql }) {
      await sql('create table t_slow (id integer primary key)');
      await new Promise((resolve) => setTimeout(resolve, 500));
      await sql('insert into t_slow (id) values (1)');
    },
  });
  const upgrading = new Migrator({
    orm,
    revisions: [slow],
    logger: memoryLogger().logger,
    lock: { timeoutMs: 5000 },
  }).upgrade();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const closing = orm.close(true);
  // PostgreSQL's pool lets the revision's connection finish before it closes; SQLite's closes
  // under it. Either outcome is fine, if it is a settled, typed, true one.
  const outcome = await settleWithin(upgrading, SETTLE_MS);
  t.not(outcome.status, 'hung', 'the call settles');
  if (outcome.status === 'rejected') {
    t.type(outcome.error, UpshiftError, `typed: ${String(outcome.error)}`);
    t.ok((outcome.error as Error).cause, "with the driver's error as its cause");
  }
  t.not((await settleWithin(closing, SETTLE_MS)).status, 'hung', 'and the close settles too');
  const recorded = (await versionRows(db).catch((): string[] => [])).includes('slow1');
  const present = (await db.query('select id from t_slow').catch(() => undefined))?.length === 1;
  t.equal(recorded, outcome.status === 'resolved', 'recorded exactly when the call says it applied');
  t.equal(present, recorded, "and the revision's work is there exactly when it is recorded");
  if (db.dialect === 'postgresql') t.same(await leftovers(db), { advisoryLocks: 0, openTransactions: 0 });
});

onPostgres('a waiting replica whose lock connection is killed: typed', async (t, db) => {
  const held = await holdLock(db);
  t.teardown(() => held.release());
  const orm = await db.orm();
  const waiting = new Migrator({
    orm,
    revisions: chain(1),
    logger: memoryLogger().logger,
    lock: { timeoutMs: 10_000 },
  }).upgrade();
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.equal(await terminateBackends(db, "application_name like 'upshift %'"), 1, "the waiter's lock connection is ended");
  await rejection(t, waiting, 'lock connection killed while waiting');
});
