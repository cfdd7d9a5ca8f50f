// Finding 4: every public call settles, typed, whatever the driver does, and leaves no lock and no
// open transaction behind. Faults are real: a read-only file, a deleted file, a terminated backend.
import { rmSync } from 'node:fs';
import { defineRevision, Migrator, UpshiftError, type Revision } from 'upshift';
import { createDatabase } from '../helpers/databases.ts';
import { onPostgres } from '../helpers/each-dialect.ts';
import { leftovers, makeReadOnly, settleWithin, terminateBackends } from '../helpers/faults.ts';
import { chain } from '../helpers/revisions.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';
import t from 'tap';

const SETTLE_MS = 15_000;

function sleepy(id: string, parents: string[], sleepSql: (seconds: number) => string): Revision {
  return defineRevision({
    id,
    parents,
    createdAt: '2026-01-02T00:00:00.000Z',
    async up({ sql }) {
      await sql(`create table t_${id} (id integer primary key)`);
      await sql(sleepSql(2));
      await sql(`insert into t_${id} (id) values (1)`);
    },
    async down({ sql }) {
      await sql(`drop table t_${id}`);
    },
  });
}

t.test('SQLite: a read-only database file with revisions pending rejects, typed, without hanging', async (t) => {
  const db = await createDatabase('sqlite');
  t.teardown(() => db.drop());
  await new Migrator({ orm: await db.orm(), revisions: chain(2), logger: memoryLogger().logger }).upgrade();
  const undo = makeReadOnly(db.location);
  t.teardown(undo);
  const orm = await db.orm();
  for (const lockTimeout of [60_000, 0]) {
    const outcome = await settleWithin(
      new Migrator({
        orm,
        revisions: chain(3),
        logger: memoryLogger().logger,
        lock: { timeoutMs: lockTimeout },
      }).upgrade(),
      SETTLE_MS,
    );
    t.equal(outcome.status, 'rejected', `lock.timeoutMs ${lockTimeout}: the call settles`);
    const error = outcome.status === 'rejected' ? (outcome.error as UpshiftError) : undefined;
    t.type(error, UpshiftError);
    t.match(error?.code, /^UPSHIFT_/);
    t.match(error?.message, /read-?only/i, 'the message names the cause');
    const sqlite = (await orm.em.getConnection().getNativeClient()) as { inTransaction: boolean };
    t.equal(sqlite.inTransaction, false, 'no transaction is left open on the connection');
  }
  t.same(await orm.em.getConnection().execute('select 1 as one'), [{ one: 1 }], 'the ORM still answers its app');
  undo();
  // SQLite opened the file read-only while it was: a new connection is needed to write.
  t.same(
    (await new Migrator({ orm: await db.orm(), revisions: chain(3), logger: memoryLogger().logger }).upgrade()).applied,
    ['rev0003'],
    'writable again, an ORM upgrades',
  );
});

t.test('SQLite: the database file deleted while a revision runs: the call settles, typed', async (t) => {
  const db = await createDatabase('sqlite');
  t.teardown(() => db.drop());
  const orm = await db.orm();
  await orm.em.getConnection().execute('pragma journal_mode = delete');
  await new Migrator({ orm, revisions: chain(1), logger: memoryLogger().logger }).upgrade();
  const slow = defineRevision({
    id: 'slow2',
    parents: ['rev0001'],
    async up({ sql }) {
      await sql('create table t_slow (id integer primary key)');
      await new Promise((resolve) => setTimeout(resolve, 500));
      await sql('insert into t_slow (id) values (1)');
    },
  });
  const upgrading = new Migrator({ orm, revisions: [...chain(1), slow], logger: memoryLogger().logger }).upgrade();
  await new Promise((resolve) => setTimeout(resolve, 200));
  rmSync(db.location);
  const outcome = await settleWithin(upgrading, SETTLE_MS);
  t.equal(outcome.status, 'rejected', 'the call settles');
  t.type(outcome.status === 'rejected' ? outcome.error : undefined, UpshiftError);
});

onPostgres(
  'a pool of one whose revision backend is terminated: the call settles, typed, and leaves no lock',
  async (t, db) => {
    for (const max of [1, 4]) {
      await db.query('drop table if exists t_slow1');
      const orm = await db.orm([], { pool: { min: 0, max } });
      const migrator = new Migrator({
        orm,
        revisions: [sleepy('slow1', [], (s) => `select pg_sleep(${s})`)],
        logger: memoryLogger().logger,
        lock: { timeoutMs: 5000 },
      });
      const upgrading = migrator.upgrade();
      await new Promise((resolve) => setTimeout(resolve, 700));
      t.equal(
        await terminateBackends(db, "query like '%pg_sleep%'"),
        1,
        `pool of ${max}: the revision's backend is terminated`,
      );
      const outcome = await settleWithin(upgrading, SETTLE_MS);
      t.equal(outcome.status, 'rejected', `pool of ${max}: the call settles`);
      const error = outcome.status === 'rejected' ? (outcome.error as UpshiftError) : undefined;
      t.type(error, UpshiftError, `pool of ${max}: typed (${String(error)})`);
      t.same(
        await leftovers(db),
        { advisoryLocks: 0, openTransactions: 0 },
        `pool of ${max}: no advisory lock, no open transaction`,
      );
      t.same(
        await db.query("select count(*)::int as n from pg_tables where tablename = 't_slow1'"),
        [{ n: 0 }],
        'the revision was rolled back',
      );
      await orm.close(true);
    }
  },
);
