import { LockTimeoutError, Migrator } from 'upshift';
import { createHash } from 'node:crypto';
import pg from 'pg';
import t from 'tap';
import { createDatabase } from './helpers/databases.ts';
import { eachDialect, onPostgres } from './helpers/each-dialect.ts';
import { ADVISORY_LOCKS_HERE, holdLock } from './helpers/hold-lock.ts';
import { chain, revisionId } from './helpers/revisions.ts';
import { versionRows } from './helpers/schema.ts';
import { memoryLogger } from './helpers/silent-logger.ts';
import { startWorker } from './helpers/workers.ts';
import { Database } from '../lib/database.ts';
import { PostgreSqlDialect } from '../lib/dialect/postgresql/dialect.ts';
import type { Fence } from '../lib/store.ts';

eachDialect(
  'a holder killed with SIGKILL mid-upgrade leaves no stale lock and no half-applied revision',
  async (t, db) => {
    // The first worker applies slow revisions; it is killed while one of them runs.
    const victim = startWorker(db, { REVISIONS: 10, DELAY_MS: 300 });
    await victim.logged(/applying revision rev0003/);
    victim.child.kill('SIGKILL');
    const killed = await victim.done;
    t.equal(killed.signal, 'SIGKILL');
    const before = await versionRows(db);
    t.ok(before.length >= 2 && before.length < 10, `killed between revisions 3 and 10 (rows: ${before.length})`);

    // A short lock timeout: a stale lock would make this fail.
    const next = startWorker(db, { REVISIONS: 10, TIMEOUT_MS: 3000 });
    const after = await next.done;
    t.equal(after.code, 0, `the next instance gets the lock at once and finishes: ${after.stderr.slice(-1000)}`);
    t.same(
      after.result?.applied,
      Array.from({ length: 10 - before.length }, (_, i) => revisionId('rev', before.length + i + 1)),
      'it applies exactly what was missing',
    );
    t.same(
      await versionRows(db),
      Array.from({ length: 10 }, (_, i) => revisionId('rev', i + 1)),
    );
    const side = await db.query<{ revision: string }>('select revision from side_effects order by revision');
    t.equal(side.length, 10, 'the killed revision left no partial effect: one side-effect row each');
  },
);

eachDialect('LockTimeoutError when a live holder keeps the lock past the timeout', async (t, db) => {
  const held = await holdLock(db);
  t.teardown(() => held.release());
  const orm = await db.orm();
  const { logger, lines } = memoryLogger();
  // Past 1 s: a shorter wait says nothing until it ends.
  const m = new Migrator({ orm, revisions: chain(2), logger, lock: { timeoutMs: 1500 } });
  const error = (await m.upgrade().catch((e: unknown) => e)) as LockTimeoutError;
  t.type(error, LockTimeoutError);
  t.equal(error.code, 'UPSHIFT_LOCK_TIMEOUT');
  t.equal(error.timeoutMs, 1500);
  if (db.dialect === 'postgresql') {
    t.equal(error.holder?.pid, held.pid, 'names the holder pid');
    t.equal(error.holder?.applicationName, 'test lock holder');
    t.ok(error.holder?.since instanceof Date, 'and since when');
    t.match(error.message, new RegExp(`backend pid ${held.pid}`));
  }
  t.ok(
    lines.some((l) => /^waiting for the/.test(l.msg as string)),
    'the wait was logged once it had lasted 1 s',
  );
  t.same(await versionRows(db).catch(() => []), [], 'nothing was applied');
  await held.release();
  t.same((await m.upgrade()).applied, ['rev0001', 'rev0002'], 'once released, the same call succeeds');
});

eachDialect(
  'a wait shorter than 1 s is not reported while it lasts, only when it ends, with the time waited',
  async (t, db) => {
    const held = await holdLock(db);
    t.teardown(() => held.release());
    const { logger, lines } = memoryLogger();
    const m = new Migrator({ orm: await db.orm(), revisions: chain(2), logger, lock: { timeoutMs: 10_000 } });
    const upgrading = m.upgrade();
    await new Promise((resolve) => setTimeout(resolve, 100)); // then polled: taken well before 1 s
    await held.release();
    t.same((await upgrading).applied, ['rev0001', 'rev0002']);
    t.notOk(
      lines.some((l) => /^waiting for the/.test(String(l.msg))),
      'no "waiting for the lock" line (nor the query of the lock table that names the holder)',
    );
    const acquired = lines.find((l) => /^acquired the/.test(String(l.msg)));
    t.ok(acquired, 'the end of the wait is logged');
    t.ok(
      Number(acquired?.waitedMs) >= 50 && Number(acquired?.waitedMs) < 1000,
      `with the time waited (${acquired?.waitedMs} ms)`,
    );
  },
);

eachDialect(
  'a waiting instance starts as soon as the holder has done its work, and still applies what is left',
  async (t, db) => {
    const holder = startWorker(db, { REVISIONS: 10, DELAY_MS: 400 }); // slow enough for the others to boot and wait
    await holder.logged(/applying revision rev0001/);
    const sameBundle = startWorker(db, { REVISIONS: 10 });
    const longerBundle = startWorker(db, { REVISIONS: 12 });
    const [h, same, longer] = await Promise.all([holder.done, sameBundle.done, longerBundle.done]);
    t.equal(h.code, 0);
    t.equal(same.code, 0, same.stderr.slice(-800));
    t.equal(longer.code, 0, longer.stderr.slice(-800));
    const applied = [h, same, longer].flatMap((r) => (r.result?.applied as string[]) ?? []).sort();
    t.same(
      applied,
      Array.from({ length: 12 }, (_, i) => revisionId('rev', i + 1)),
      'each revision applied once between them',
    );
    t.same(same.result?.applied, [], 'the instance with the same bundle applied nothing');
    t.ok(((same.result?.skipped ?? []) as string[]).length > 0, 'and reports what the other instance applied');
    t.ok(
      ((longer.result?.applied ?? []) as string[]).includes('rev0012'),
      'an instance with more revisions still takes the lock and applies them',
    );
    if (db.dialect === 'postgresql') {
      t.match(
        same.stderr,
        /stopped waiting for the PostgreSQL advisory lock/,
        'it stopped waiting without taking the lock',
      );
    }
  },
);

onPostgres('the PostgreSQL holder announces its release to waiting instances (NOTIFY)', async (t, db) => {
  const [row] = await db.query<{ db: string; schema: string }>(
    'select current_database() as db, current_schema() as schema',
  );
  const key = createHash('sha256')
    .update(`upshift:${row!.db}:${row!.schema}:upshift_revisions`)
    .digest()
    .readBigInt64BE(0);
  const listener = new pg.Client({ connectionString: db.location });
  await listener.connect();
  t.teardown(() => listener.end());
  const heard: string[] = [];
  listener.on('notification', (message) => heard.push(`${message.channel}:${message.payload}`));
  await listener.query(`listen "upshift_${BigInt.asUintN(64, key).toString(16)}"`);

  const m = new Migrator({ orm: await db.orm(), revisions: chain(2), logger: memoryLogger().logger });
  await m.upgrade();
  await listener.query('select 1'); // a round trip, so a notification sent before it has arrived
  t.same(
    heard,
    [`upshift_${BigInt.asUintN(64, key).toString(16)}:released`],
    'one notification when the lock was released',
  );
  await m.upgrade();
  await listener.query('select 1');
  t.equal(heard.length, 1, 'the fast path takes no lock, so it announces nothing');
});

onPostgres(
  "the fence (the condition every version-row write carries) holds exactly while this instance's lock session lives",
  async (t, db) => {
    const database = new Database(await db.orm());
    const dialect = new PostgreSqlDialect(
      database,
      { name: 'upshift_revisions', schema: undefined },
      { lockScope: 'session' },
    );
    const acquired = await dialect.acquire({ operation: 'upgrade', timeoutMs: 1000, logger: memoryLogger().logger });
    if (!('lock' in acquired)) throw new Error('not acquired');
    const lock = acquired.lock;
    // The fence is the lock's own business (protected); this test asks it directly.
    const fenceOf = () => (lock as unknown as { fence(): Fence }).fence();
    // In a transaction of its own each time, as a version-row write is.
    const fenceHolds = () =>
      database.transaction(async (trx) => {
        const fence = fenceOf();
        const [row] = await database.query<{ ok: boolean }>(`select ${fence.sql} as "ok"`, fence.params, trx);
        return row!.ok;
      });
    t.equal(await fenceHolds(), true, 'while the lock is held');
    t.equal(await fenceHolds(), true, 'and again: checking leaves nothing behind');

    // The lock session ends from outside. The fence is asked before this process could notice:
    // what the database says, not what the client heard, decides.
    const [killed] = await db.query<{ pid: number }>(
      "select pid from pg_stat_activity where application_name like 'upshift %' and datname = current_database() and pg_terminate_backend(pid)",
    );
    t.ok(killed, 'ended the lock session');
    for (
      let i = 0;
      i < 100 && (await db.query('select 1 from pg_stat_activity where pid = $1', [killed!.pid])).length > 0;
      i++
    )
      await new Promise((r) => setTimeout(r, 20));
    t.equal(await fenceHolds(), false, 'once the lock session is gone');
    const other = await holdLock(db);
    t.equal(await fenceHolds(), false, 'also while another instance holds the lock');
    await other.release();
    await lock.release();
  },
);

t.test("SQLite: polling the write lock leaves the app's busy_timeout as it was", async (t) => {
  const db = await createDatabase('sqlite');
  t.teardown(() => db.drop());
  const orm = await db.orm();
  await orm.em.getConnection().execute('pragma busy_timeout = 1234');
  await new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger }).upgrade();
  const [row] = (await orm.em.getConnection().execute('pragma busy_timeout')) as { timeout: number }[];
  t.equal(row!.timeout, 1234);
});

/** What each idle connection of the ORM's pool carries: upshift must give them back as they were. */
async function pooledSessions(pool: pg.Pool): Promise<{ app: string; channels: number; locks: number }[]> {
  const clients = await Promise.all(Array.from({ length: pool.idleCount }, () => pool.connect()));
  try {
    return await Promise.all(
      clients.map(
        async (client) =>
          (
            await client.query(
              "select current_setting('application_name') as app, (select count(*)::int from pg_listening_channels()) as channels, " +
                "(select count(*)::int from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()) as locks",
            )
          ).rows[0],
      ),
    );
  } finally {
    for (const client of clients) client.release();
  }
}

onPostgres(
  'a waiting instance holds no connection beyond its pool, and both pooled lock sessions go back to the pool as they were',
  async (t, db) => {
    const orm = await db.orm([], { pool: { min: 0, max: 4 } });
    const pool = (await orm.em.getConnection().getNativeClient()) as unknown as pg.Pool;
    const held = await holdLock(db);
    await pool.query('select 1'); // the connection a boot read opens
    const connections = async () =>
      (
        await db.query<{ n: number; named: number }>(
          "select count(*)::int as n, (count(*) filter (where application_name like 'upshift %'))::int as named from pg_stat_activity where datname = current_database()",
        )
      )[0]!;
    const before = await connections();
    const waiter = new Migrator({ orm, revisions: chain(2), logger: memoryLogger().logger, lock: { timeoutMs: 600 } });
    const waiting = waiter.upgrade().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    const during = await connections();
    t.equal(during.named, 1, 'while it waits, one connection is named for the lock');
    t.equal(
      during.n,
      before.n,
      "and the server has no more connections than before it asked: the lock waits on the pool's own",
    );
    t.equal(pool.totalCount, 1, 'which still holds one');
    t.type(await waiting, LockTimeoutError);
    await held.release();
    t.same(
      await pooledSessions(pool),
      [{ app: '', channels: 0, locks: 0 }],
      'after the timeout, the connection is back in the pool, unnamed, listening to nothing',
    );

    const result = await waiter.upgrade();
    t.same(result.applied, ['rev0001', 'rev0002'], 'the holder applies the revisions');
    const after = await pooledSessions(pool);
    t.ok(after.length >= 1, `its connections are idle in the pool again (${after.length})`);
    t.same(
      after,
      after.map(() => ({ app: '', channels: 0, locks: 0 })),
      'unnamed, listening to nothing, holding no advisory lock',
    );
    const [left] = await db.query<{ n: number }>(
      `select count(*)::int as n from pg_locks where ${ADVISORY_LOCKS_HERE}`,
    );
    t.equal(left!.n, 0, 'no advisory lock is left on the server');
  },
);

onPostgres(
  'with a pool of one connection, the lock takes a connection of its own (checking that one out would deadlock)',
  async (t, db) => {
    const orm = await db.orm([], { pool: { min: 1, max: 1 } });
    const pool = (await orm.em.getConnection().getNativeClient()) as unknown as pg.Pool;
    const m = new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger, lock: { timeoutMs: 5000 } });
    t.same(
      (await m.upgrade()).applied,
      ['rev0001', 'rev0002', 'rev0003'],
      "the revisions ran on the pool's one connection while the lock was held elsewhere",
    );
    t.equal(pool.totalCount, 1, 'the pool never grew');
    t.same(await pooledSessions(pool), [{ app: '', channels: 0, locks: 0 }]);
    for (let i = 0; i < 100; i++) {
      const [row] = await db.query<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name like 'upshift %'",
      );
      if (row!.n === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const [gone] = await db.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name like 'upshift %'",
    );
    t.equal(gone!.n, 0, 'and that connection is closed once the lock is released');
  },
);
