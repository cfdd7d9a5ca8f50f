// One schema per tenant (issue 26, item 2): each tenant its own version table, lock and
// search_path; a no-op call reads every tenant in a constant number of statements; a failing
// tenant is reported by name and stops no other; replicas racing migrate each tenant once.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defineRevision, LockTimeoutError, TenantMigrator, upgradeTenants, type Revision } from 'upshift';
import { onPostgres } from './helpers/each-dialect.ts';
import { countedOrm } from './helpers/counting.ts';
import { holdLock } from './helpers/hold-lock.ts';
import { chain } from './helpers/revisions.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

const tables = async (db: { query<T>(sql: string, params?: unknown[]): Promise<T[]> }, schema: string) =>
  (
    await db.query<{ t: string }>('select tablename as t from pg_tables where schemaname = $1 order by 1', [schema])
  ).map((r) => r.t);

onPostgres('tenants: unqualified revision SQL lands in each tenant, with its own version table', async (t, db) => {
  await db.query('create schema acme; create schema "Globex"');
  const orm = await db.orm();
  const schemas = ['acme', 'Globex', 'initech']; // initech does not exist yet
  const results = await upgradeTenants({ orm, revisions: chain(3), schemas, logger: memoryLogger().logger });
  t.same(
    results.map((r) => [r.schema, r.ok && r.result.applied.length]),
    [
      ['acme', 3],
      ['Globex', 3],
      ['initech', 3],
    ],
  );
  for (const schema of schemas) {
    t.same(
      await tables(db, schema),
      ['t_rev0001', 't_rev0002', 't_rev0003', 'upshift_revisions', 'upshift_revisions_state'],
      `${schema} holds its tables`,
    );
  }
  t.same(await tables(db, 'public'), ['upshift_revisions_tenants'], "in public, only the registry of tenants' digests");
  t.same(
    (await db.query<{ schema: string }>('select schema from upshift_revisions_tenants order by 1')).map(
      (r) => r.schema,
    ),
    ['Globex', 'acme', 'initech'],
  );
  // A hand edit in one tenant clears its registry row (a trigger), as it clears its state row.
  await db.query(`update acme.upshift_revisions set message = 'by hand' where id = 'rev0001'`);
  t.same(
    (await db.query<{ schema: string }>('select schema from upshift_revisions_tenants order by 1')).map(
      (r) => r.schema,
    ),
    ['Globex', 'initech'],
  );
  t.ok(
    (await upgradeTenants({ orm, revisions: chain(3), schemas, logger: memoryLogger().logger })).every(
      (r) => r.ok && r.result.applied.length === 0,
    ),
  );
  t.equal(
    (await db.query('select schema from upshift_revisions_tenants')).length,
    3,
    'and the next call writes it back',
  );

  await db.query('insert into acme.t_rev0001 (id) values (1)');
  const tenants = new TenantMigrator({ orm, revisions: chain(4), schemas, logger: memoryLogger().logger });
  t.same(
    (await tenants.upgrade()).map((r) => r.ok && r.result.applied),
    [['rev0004'], ['rev0004'], ['rev0004']],
  );
  t.same(await db.query('select id from acme.t_rev0001'), [{ id: 1 }], "a tenant's rows stay");
  const status = await tenants.status();
  t.ok(
    status.every((r) => r.ok && r.result.upToDate),
    'status per tenant',
  );
  t.same(
    (await tenants.downgrade('-1')).map((r) => r.ok && r.result.reverted),
    [['rev0004'], ['rev0004'], ['rev0004']],
    'downgrade per tenant',
  );
  t.same(await tables(db, 'Globex'), [
    't_rev0001',
    't_rev0002',
    't_rev0003',
    'upshift_revisions',
    'upshift_revisions_state',
  ]);
});

onPostgres('tenants: a no-op call over 60 tenants sends two statements', async (t, db) => {
  const schemas = Array.from({ length: 60 }, (_, i) => `tenant_${i}`);
  await upgradeTenants({
    orm: await db.orm(),
    revisions: chain(5),
    schemas,
    logger: memoryLogger().logger,
    concurrency: 4,
  });
  const { orm, statements } = await countedOrm(db);
  const results = await upgradeTenants({ orm, revisions: chain(5), schemas, logger: memoryLogger().logger });
  t.ok(
    results.every((r) => r.ok && r.result.applied.length === 0),
    'nothing to apply anywhere',
  );
  t.equal(statements.length, 2, `two statements for 60 tenants: ${statements.map((s) => s.slice(0, 80)).join(' | ')}`);
  // A tenant added later is migrated by the next call; the others still cost nothing more.
  statements.length = 0;
  const more = await upgradeTenants({
    orm,
    revisions: chain(5),
    schemas: () => [...schemas, 'tenant_new'],
    logger: memoryLogger().logger,
  });
  t.same(
    more.at(-1)?.ok && more.at(-1)!.ok ? (more.at(-1) as { result: { applied: string[] } }).result.applied.length : -1,
    5,
    'the new tenant is migrated',
  );
  t.ok(more.slice(0, -1).every((r) => r.ok && r.result.applied.length === 0));
});

onPostgres(
  'tenants: one failing tenant is reported by name and stops no other; each has its own lock',
  async (t, db) => {
    await db.query('create schema good1; create schema bad; create schema good2');
    await db.query('create table bad.t_rev0002 (id integer)'); // rev0002 cannot create its table there
    const orm = await db.orm();
    const results = await upgradeTenants({
      orm,
      revisions: chain(3),
      schemas: ['good1', 'bad', 'good2'],
      logger: memoryLogger().logger,
    });
    t.same(
      results.map((r) => [r.schema, r.ok]),
      [
        ['good1', true],
        ['bad', false],
        ['good2', true],
      ],
    );
    const bad = results[1]!;
    t.equal(!bad.ok && bad.error.code, 'UPSHIFT_REVISION_FAILED', 'typed');
    t.same(
      await tables(db, 'bad'),
      ['t_rev0001', 't_rev0002', 'upshift_revisions', 'upshift_revisions_state'],
      'bad stopped at rev0001, its own t_rev0002 untouched',
    );

    // Another instance holds good1's lock: only good1 waits (and times out here).
    const held = await holdLock(db, 'upshift_revisions', 'good1');
    t.teardown(() => held.release());
    const next = await upgradeTenants({
      orm,
      revisions: chain(4),
      schemas: ['good1', 'good2'],
      logger: memoryLogger().logger,
      lock: { timeoutMs: 300 },
    });
    t.ok(!next[0]!.ok && next[0]!.error instanceof LockTimeoutError, 'good1 waits for its own lock');
    t.same(next[1]!.ok && next[1]!.result.applied, ['rev0004'], 'good2 is not blocked by it');
  },
);

onPostgres('tenants: replicas racing over 10 tenants apply each revision once per tenant', async (t, db) => {
  const worker = fileURLToPath(new URL('./fixtures/tenant-worker.ts', import.meta.url));
  const start = () => {
    const child = spawn(process.execPath, ['--conditions=upshift-source', worker], {
      env: { ...process.env, LOCATION: db.location, TENANTS: '10', REVISIONS: '5', BARRIER: '1', DELAY_MS: '5' },
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.resume();
    const ready = new Promise<void>((resolve) => child.stdout.on('data', () => out.includes('ready\n') && resolve()));
    const done = new Promise<{ code: number | null; result: Record<string, unknown> | undefined }>((resolve) =>
      child.on('close', (code) =>
        resolve({ code, result: JSON.parse(out.split('\n').find((l) => l.startsWith('{')) ?? 'null') ?? undefined }),
      ),
    );
    return { child, ready, done };
  };
  const replicas = [start(), start(), start()];
  await Promise.all(replicas.map((r) => r.ready));
  for (const r of replicas) r.child.stdin.write('go\n');
  const results = await Promise.all(replicas.map((r) => r.done));
  for (const r of results) t.equal(r.code, 0, `replica exits 0: ${JSON.stringify(r.result)}`);
  for (let i = 1; i <= 10; i++) {
    const schema = `t${String(i).padStart(2, '0')}`;
    const rows = await db.query<{ revision: string }>(`select revision from ${schema}.side_effects order by revision`);
    t.same(
      rows.map((r) => r.revision),
      ['rev0001', 'rev0002', 'rev0003', 'rev0004', 'rev0005'],
      `${schema}: each revision once`,
    );
  }
});

onPostgres('tenants: PostgreSQL only, and no transaction: false revisions', async (t, db) => {
  const outside: Revision = defineRevision({ id: 'out1', parents: [], transaction: false, up() {} });
  t.throws(() => new TenantMigrator({ orm: null as never, revisions: [], schemas: [] }), {
    code: 'UPSHIFT_CONFIGURATION',
  });
  t.throws(() => new TenantMigrator({ orm: {} as never, revisions: [], schemas: 'x' as never }), {
    code: 'UPSHIFT_CONFIGURATION',
  });
  const orm = await db.orm();
  t.throws(() => new TenantMigrator({ orm, revisions: [outside], schemas: ['a'] }), /transaction: false/);
  await t.rejects(new TenantMigrator({ orm, revisions: [], schemas: ['pg_catalog'] }).upgrade(), {
    code: 'UPSHIFT_CONFIGURATION',
  });
});
