import { spawn } from 'node:child_process';
import t from 'tap';
import { GetLockSession, lockName, type MysqlPool } from '../lib/dialect/mariadb/get-lock.ts';
import { LockTimeoutError } from '../lib/errors.ts';
import { defineRevision, Migrator } from 'upshift';
import { settleWithin } from './helpers/faults.ts';
import { onMariadb } from './helpers/each-dialect.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

const poolOf = async (orm: { em: { getConnection(): { getNativeClient(): Promise<unknown> } } }) =>
  (await orm.em.getConnection().getNativeClient()) as MysqlPool;

t.test('lock names: per database and table, at most 64 characters, distinct after shortening', async (t) => {
  t.equal(lockName('shop', 'upshift_revisions'), 'upshift:shop.upshift_revisions');
  const long = lockName('d'.repeat(64), 't'.repeat(64));
  const other = lockName('d'.repeat(64), 't'.repeat(63) + 'u');
  t.ok(long.length <= 64 && other.length <= 64);
  t.not(long, other);
});

onMariadb(
  'GET_LOCK: one holder; the others wait, time out naming the holder, then get it after release',
  async (t, db) => {
    const orm = await db.orm();
    const pool = await poolOf(orm);
    const name = lockName(db.location.split('/').pop()!, 'upshift_revisions');
    const first = await GetLockSession.open(pool, name, 5_000);
    const second = await GetLockSession.open(pool, name, 5_000);
    t.equal(await first.tryAcquire(), true);
    t.equal(await second.tryAcquire(), false, 'a second connection of the same process does not get it');
    t.equal(await first.stillHeld(), true);
    t.equal(await second.stillHeld(), false);
    const holder = await second.holder();
    t.equal(holder?.pid, first.connectionId, 'the holder is named by its connection id');
    t.equal(holder?.applicationName, 'user root');
    t.ok(holder?.since instanceof Date);
    const started = Date.now();
    const error = await second
      .acquire({ operation: 'upgrade', timeoutMs: 400, logger: memoryLogger().logger })
      .catch((e: unknown) => e);
    t.type(error, LockTimeoutError);
    t.match((error as Error).message, new RegExp(`backend pid ${first.connectionId}`));
    t.ok(Date.now() - started < 3_000, 'the wait is bounded by the timeout');
    // The fence is true for a write only while the lock is held by that connection.
    const fenced = async (session: GetLockSession) => {
      const fence = session.fence();
      return Number((await db.query<{ ok: number }>(`select (${fence.sql}) as ok`, fence.params))[0]!.ok ?? 0);
    };
    t.equal(await fenced(first), 1);
    t.equal(await fenced(second), 0);
    await first.release();
    t.equal(await fenced(first), 0, 'after release the fence is false');
    t.equal(await second.tryAcquire(), true, 'released: the next one gets it');
    await second.release();
  },
);

onMariadb('GET_LOCK dies with its connection: KILL of the holder frees it at once', async (t, db) => {
  const orm = await db.orm();
  const pool = await poolOf(orm);
  const name = lockName(db.location.split('/').pop()!, 'upshift_revisions');
  const holder = await GetLockSession.open(pool, name, 5_000);
  const waiter = await GetLockSession.open(pool, name, 5_000);
  t.equal(await holder.tryAcquire(), true);
  const fence = holder.fence();
  await db.query(`kill connection ${holder.connectionId}`);
  await waiter.acquire({ operation: 'upgrade', timeoutMs: 5_000, logger: memoryLogger().logger });
  t.equal(await waiter.stillHeld(), true);
  const [row] = await db.query<{ ok: number | null }>(`select (${fence.sql}) as ok`, fence.params);
  t.not(Number(row!.ok), 1, "the dead holder's fence is false");
  await holder.release(); // its connection is gone: release must neither throw nor hang
  await waiter.release();
});

onMariadb('GET_LOCK dies with its process: a SIGKILLed holder leaves no stale lock', async (t, db) => {
  const orm = await db.orm();
  const pool = await poolOf(orm);
  const name = lockName(db.location.split('/').pop()!, 'upshift_revisions');
  const script =
    "import mysql from 'mysql2/promise';" +
    'const c = await mysql.createConnection({ uri: process.env.URL });' +
    "await c.query('select get_lock(?, 0)', [process.env.NAME]); console.log('held'); setInterval(() => {}, 1000);";
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, URL: db.location, NAME: name },
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout.on('data', (chunk) => String(chunk).includes('held') && resolve()));
  const waiter = await GetLockSession.open(pool, name, 5_000);
  t.equal(await waiter.tryAcquire(), false, 'the child holds it');
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('exit', resolve));
  await waiter.acquire({ operation: 'upgrade', timeoutMs: 10_000, logger: memoryLogger().logger });
  t.equal(await waiter.stillHeld(), true);
  await waiter.release();
});

onMariadb(
  'with a pool of one connection, the lock takes a connection of its own (checking that one out would hang the revisions)',
  async (t, db) => {
    const orm = await db.orm([], { pool: { min: 1, max: 1 } });
    const database = db.location.split('/').pop()!;
    const revisions = [1, 2, 3].map((n) =>
      defineRevision({
        id: `rev000${n}`,
        parents: n === 1 ? [] : [`rev000${n - 1}`],
        createdAt: `2026-01-01T00:00:0${n}.000Z`,
        async up({ sql }) {
          await sql(`create table t_${n} (id int primary key)`);
          await sql(`insert into t_${n} values (${n})`);
        },
      }),
    );
    const migrator = new Migrator({ orm, revisions, logger: memoryLogger().logger, lock: { timeoutMs: 5000 } });
    const outcome = await settleWithin(migrator.upgrade(), 30_000);
    t.equal(
      outcome.status,
      'resolved',
      `upgrade() settles (${outcome.status === 'rejected' ? String(outcome.error) : ''})`,
    );
    if (outcome.status === 'resolved') t.same(outcome.value.applied, ['rev0001', 'rev0002', 'rev0003']);
    const pool = (await poolOf(orm)) as MysqlPool & { _allConnections: { length: number } };
    t.equal(pool._allConnections.length, 1, 'the pool never grew');
    const connections = async () =>
      Number(
        (
          await db.query<{ n: number }>(
            'select count(*) as n from information_schema.processlist where db = ? and id <> connection_id()',
            [database],
          )
        )[0]!.n,
      );
    for (let waited = 0; (await connections()) > 1 && waited < 5_000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    t.equal(await connections(), 1, "and the lock's own connection is closed once it is released");
    t.equal((await settleWithin(orm.close(true), 10_000)).status, 'resolved', 'orm.close() settles');
  },
);

onMariadb(
  "a pool of one: the lock's own connection KILLed mid-revision settles, typed, and the next call resumes",
  async (t, db) => {
    const orm = await db.orm([], { pool: { min: 1, max: 1 } });
    const database = db.location.split('/').pop()!;
    let killed: number | undefined;
    const revisions = [
      defineRevision({
        id: 'rev_lockkill',
        parents: [],
        async up({ sql }) {
          await sql('create table a (id int primary key)');
          if (killed === undefined) {
            const [row] = await db.query<{ id: number }>('select is_used_lock(?) as id', [
              `upshift:${database}.upshift_revisions`,
            ]);
            killed = Number(row!.id);
            await db.query(`kill ${killed}`);
          }
          await sql('create table b (id int primary key)');
        },
      }),
    ];
    const migrator = new Migrator({ orm, revisions, logger: memoryLogger().logger, lock: { timeoutMs: 5000 } });
    const outcome = await settleWithin(migrator.upgrade(), 30_000);
    t.ok(killed, "the lock's connection was KILLed");
    t.equal(outcome.status, 'rejected', 'upgrade() settles, failing');
    const error = outcome.status === 'rejected' ? (outcome.error as { code?: string; message?: string }) : undefined;
    t.match(error?.code, /^UPSHIFT_/, `typed: ${error?.code}: ${error?.message}`);
    const again = await settleWithin(migrator.upgrade(), 30_000);
    t.equal(
      again.status,
      'resolved',
      `the next upgrade() succeeds ${again.status === 'rejected' ? String(again.error) : ''}`,
    );
    if (again.status === 'resolved') t.same(again.value.current, ['rev_lockkill']);
    t.same(
      (
        await db.query<{ n: string }>(
          'select table_name as n from information_schema.tables where table_schema = database() and table_name in (?, ?) order by 1',
          ['a', 'b'],
        )
      ).map((r) => r.n),
      ['a', 'b'],
      'both tables, each created once',
    );
    t.equal((await settleWithin(orm.close(true), 10_000)).status, 'resolved', 'orm.close() settles');
  },
);
