// Finding 2: an app whose MikroORM onCreateConnection points every connection at a tenant schema.
// Every statement upshift sends must resolve names as the app's own queries do, whichever pooled
// connection it lands on: one the hook never ran on included.
import { Migrator } from 'upshift';
import type { MikroORM } from '@mikro-orm/core';
import { onPostgres, type TapTest } from '../helpers/each-dialect.ts';
import type { TestDatabase } from '../helpers/databases.ts';
import { searchPathHook } from '../helpers/hooks.ts';
import { chain, revisionId } from '../helpers/revisions.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';
import { startWorker } from '../helpers/workers.ts';

const TENANT = 'tenant_a';

/** The shared schema already holds upshift's tables at head: the row a wrong read would trust. */
async function seedPublic(db: TestDatabase): Promise<void> {
  await new Migrator({ orm: await db.orm(), revisions: chain(3), logger: memoryLogger().logger }).upgrade();
  await db.query(`create schema ${TENANT}`);
}

async function tablesOf(db: TestDatabase, schema: string): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    'select tablename as name from pg_tables where schemaname = $1 order by 1',
    [schema],
  );
  return rows.map((r) => r.name);
}

async function expectTenantMigrated(t: TapTest, db: TestDatabase, orm: MikroORM): Promise<void> {
  const result = await new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger }).upgrade();
  t.same(
    result.applied,
    [revisionId('rev', 1), revisionId('rev', 2), revisionId('rev', 3)],
    'the tenant, which had nothing, is migrated',
  );
  t.same(
    await tablesOf(db, TENANT),
    ['t_rev0001', 't_rev0002', 't_rev0003', 'upshift_revisions', 'upshift_revisions_state'],
    "the revisions' tables and upshift's are in the tenant schema",
  );
  t.same(
    await tablesOf(db, 'public'),
    ['t_rev0001', 't_rev0002', 't_rev0003', 'upshift_revisions', 'upshift_revisions_state'],
    'the shared schema is as it was',
  );
  const again = await new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger }).upgrade();
  t.same(again.applied, [], 'the next boot finds the tenant at head');
}

onPostgres(
  'connection hook: a pooled connection that timed out and was replaced is hooked like any other',
  async (t, db) => {
    await seedPublic(db);
    const orm = await db.orm([], {
      onCreateConnection: searchPathHook(TENANT),
      pool: { min: 0, max: 4, idleTimeoutMillis: 50 },
    });
    await orm.em.getConnection().execute('select 1');
    await new Promise((resolve) => setTimeout(resolve, 300)); // the idle connection is closed
    await expectTenantMigrated(t, db, orm);
  },
);

onPostgres(
  'connection hook: while the app holds its connection, upshift is not sent to an unhooked one',
  async (t, db) => {
    await seedPublic(db);
    const orm = await db.orm([], { onCreateConnection: searchPathHook(TENANT), pool: { min: 0, max: 4 } });
    await orm.em.getConnection().execute('select 1');
    const busy = orm.em.getConnection().execute('select pg_sleep(0.5)'); // holds the one connection the pool has
    await expectTenantMigrated(t, db, orm);
    await busy;
  },
);

onPostgres('connection hook: a pool of one', async (t, db) => {
  await seedPublic(db);
  const orm = await db.orm([], { onCreateConnection: searchPathHook(TENANT), pool: { min: 0, max: 1 } });
  await expectTenantMigrated(t, db, orm);
});

onPostgres("connection hook: the lock is the tenant's, not the shared schema's", async (t, db) => {
  await seedPublic(db);
  const orm = await db.orm([], {
    onCreateConnection: searchPathHook(TENANT),
    pool: { min: 0, max: 4, idleTimeoutMillis: 50 },
  });
  const slow = chain(2, { delayMs: 600 });
  const upgrading = new Migrator({ orm, revisions: slow, logger: memoryLogger().logger }).upgrade();
  await new Promise((resolve) => setTimeout(resolve, 300));
  // A second app instance of the shared schema is not blocked by the tenant's migration...
  const shared = new Migrator({
    orm: await db.orm(),
    revisions: chain(4),
    logger: memoryLogger().logger,
    lock: { timeoutMs: 200 },
  });
  t.same(
    (await shared.upgrade()).applied,
    [revisionId('rev', 4)],
    'the shared schema migrates at once beside the tenant',
  );
  await upgrading;
  t.same(await tablesOf(db, TENANT), ['t_rev0001', 't_rev0002', 'upshift_revisions', 'upshift_revisions_state']);
});

onPostgres('connection hook: two replicas with a transaction: false revision run it once', async (t, db) => {
  // The shared schema is at head of the same bundle: a replica that read it would skip the tenant.
  const seed = await startWorker(db, { KIND: 'outside', SLOW_MS: 0 }).done;
  t.equal(seed.code, 0);
  await db.query(`create schema ${TENANT}`);
  for (const [poolMax, warmup] of [
    [1, '0'],
    [1, '1'],
    [4, '0'],
    [4, '1'],
  ] as const) {
    await db.query(
      `drop table if exists ${TENANT}.side_effects, ${TENANT}.upshift_revisions, ${TENANT}.upshift_revisions_state`,
    );
    const env = { KIND: 'outside', SLOW_MS: 400, BARRIER: 1, HOOK_SCHEMA: TENANT, POOL_MAX: poolMax, WARMUP: warmup };
    const workers = [startWorker(db, env), startWorker(db, env)];
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    const results = await Promise.all(workers.map((w) => w.done));
    for (const r of results)
      t.equal(r.code, 0, `pool of ${poolMax}: the replica exits 0 ${r.code ? r.stderr.slice(-1500) : ''}`);
    const rows = await db.query<{ revision: string }>(`select revision from ${TENANT}.side_effects`);
    t.same(rows, [{ revision: 'side2' }], `pool of ${poolMax}: the transaction: false revision ran once`);
    t.same(
      await db.query('select revision from public.side_effects'),
      [{ revision: 'side2' }],
      'the shared schema is as it was',
    );
  }
});
