// runCommand per tenant schema (issue 26, item 2) on PostgreSQL: --tenant <schema> and
// --all-tenants on upgrade, downgrade, current, status and history; results per tenant; one
// failing tenant named, exit 1, the others done; without a tenant flag nothing touches the app's schema.
import { onPostgres } from '../helpers/each-dialect.ts';
import { chain } from '../helpers/revisions.ts';
import { silent } from '../dev/load.ts';
import { run, runJson } from './helpers.ts';

interface Part<T = Record<string, unknown>> {
  schema: string;
  ok: boolean;
  result?: T;
  error?: { code: string; message: string };
}

const tablesOf = async (db: { query<T>(sql: string, params?: unknown[]): Promise<T[]> }, schema: string) =>
  (
    await db.query<{ t: string }>(
      "select tablename as t from pg_tables where schemaname = $1 and tablename like 't\\_%' order by 1",
      [schema],
    )
  ).map((r) => r.t);

onPostgres('tenant commands: --tenant and --all-tenants, a result per tenant, one failure named', async (t, db) => {
  await db.query('create schema acme; create schema globex; create schema initech');
  const orm = await db.orm();
  const listed: string[] = ['acme', 'globex', 'initech'];
  const config = {
    orm,
    revisions: chain(3, { prefix: 'tn' }),
    logger: silent,
    tenants: { schemas: async () => listed, concurrency: 2 },
  };

  let ran = await run(['upgrade'], config);
  t.equal(ran.code, 1, 'without a tenant flag a tenant database refuses');
  t.match(
    ran.err,
    /UPSHIFT_COMMAND_USAGE: This database migrates tenant schemas: add --tenant <schema> or --all-tenants\./,
  );
  ran = await run(['stamp', 'heads'], config);
  t.match(ran.err, /stamp does not act per tenant \(per tenant: upgrade, downgrade, current, status, history\)/);
  t.same(await tablesOf(db, 'public'), [], "nothing ran in the app's own schema");

  ran = await run(['upgrade', '--tenant', 'globex'], config);
  t.equal(ran.code, 0);
  t.equal(ran.out, 'tenant globex:\n  applied: tn0001, tn0002, tn0003\n  current: tn0003\n');
  t.same(await tablesOf(db, 'globex'), ['t_tn0001', 't_tn0002', 't_tn0003'], 'in the tenant');
  t.same(await tablesOf(db, 'acme'), [], 'the others untouched');
  ran = await run(['upgrade', '--tenant', 'hooli'], config);
  t.equal(ran.code, 1);
  t.match(
    ran.err,
    /--tenant "hooli" is not one of the tenant schemas the configuration lists \("acme", "globex", "initech"\)/,
  );

  let status = await runJson<{ tenants: Part<{ upToDate: boolean; pending: string[] }>[] }>(
    ['status', '--all-tenants'],
    config,
  );
  t.equal(status.code, 2, 'status --all-tenants: 2 while a tenant has revisions pending');
  t.same(
    status.json.tenants.map((r) => [r.schema, r.ok, r.result?.pending.length]),
    [
      ['acme', true, 3],
      ['globex', true, 0],
      ['initech', true, 3],
    ],
  );

  // initech already has tn0002's table: its upgrade fails there, acme's completes.
  await db.query('create table initech.t_tn0002 (id integer)');
  const upgraded = await runJson<{ tenants: Part<{ applied: string[] }>[] }>(['upgrade', '--all-tenants'], config);
  t.equal(upgraded.code, 1, 'one failing tenant: exit 1');
  t.same(
    upgraded.json.tenants.map((r) => [r.schema, r.ok, r.error?.code ?? r.result?.applied]),
    [
      ['acme', true, ['tn0001', 'tn0002', 'tn0003']],
      ['globex', true, []],
      ['initech', false, 'UPSHIFT_REVISION_FAILED'],
    ],
    'the failing tenant named with its error; the others done',
  );
  t.same(await tablesOf(db, 'acme'), ['t_tn0001', 't_tn0002', 't_tn0003']);
  ran = await run(['upgrade', '--all-tenants'], config);
  t.match(ran.out, /^tenant initech:\n {2}error UPSHIFT_REVISION_FAILED: /m);
  t.match(ran.err, /^error: 1 of 3 tenants failed \(initech\); the others completed\.$/m);

  ran = await run(['current', '--all-tenants'], config);
  t.equal(ran.out, 'tenant acme:\n  tn0003\ntenant globex:\n  tn0003\ntenant initech:\n  tn0001\n');
  ran = await run(['history', '--tenant', 'initech', '-r', 'tn0002:'], config);
  t.equal(ran.code, 0);
  t.match(
    ran.out,
    /^tenant initech:\n {2}revision\s+parents[\s\S]*\n {2}tn0002\s+tn0001\s+create t_tn0002\s+\S+\s+no\n {2}tn0003 \(head\)/,
  );
  const history = await runJson<{ tenants: Part<{ history: { id: string; applied: boolean }[] }>[] }>(
    ['history', '--all-tenants'],
    config,
  );
  t.same(
    history.json.tenants.map((r) => r.result?.history.filter((e) => e.applied).map((e) => e.id)),
    [['tn0001', 'tn0002', 'tn0003'], ['tn0001', 'tn0002', 'tn0003'], ['tn0001']],
    'history per tenant: what each applied',
  );

  const down = await runJson<{ tenants: Part<{ reverted: string[] }>[] }>(
    ['downgrade', '-1', '--tenant', 'acme'],
    config,
  );
  t.equal(down.code, 0);
  t.same(down.json.tenants, [{ schema: 'acme', ok: true, result: down.json.tenants[0]!.result }]);
  t.same(down.json.tenants[0]!.result!.reverted, ['tn0003']);
  t.same(await tablesOf(db, 'acme'), ['t_tn0001', 't_tn0002'], 'downgrade --tenant reverted in that tenant only');
  t.same(await tablesOf(db, 'globex'), ['t_tn0001', 't_tn0002', 't_tn0003']);

  // A tenant created since is listed by the function on the next command.
  await db.query('drop table initech.t_tn0002; create schema hooli');
  listed.push('hooli');
  status = await runJson(['status', '--all-tenants'], config);
  t.same(
    status.json.tenants.map((r) => [r.schema, r.result?.pending.length]),
    [
      ['acme', 1],
      ['globex', 0],
      ['initech', 2],
      ['hooli', 3],
    ],
  );
  t.equal((await run(['upgrade', '--all-tenants'], config)).code, 0);
  t.equal(
    (await run(['status', '--all-tenants'], config)).code,
    0,
    'status --all-tenants: 0 when every tenant is up to date',
  );

  ran = await run(['upgrade', '--tenant', 'acme', '--all-tenants'], config);
  t.match(ran.err, /Give --tenant <schema> or --all-tenants, not both/);
  ran = await run(['upgrade', '--all-tenants', '--sql'], config);
  t.match(ran.err, /upgrade does not take --sql/);
  ran = await run(['status', '--all-tenants'], { orm, revisions: chain(1), logger: silent });
  t.match(ran.err, /--tenant\/--all-tenants: this configuration has no tenants; add tenants: \{ schemas \}/);
});

onPostgres('tenant commands on one database of several: --db is needed', async (t, db) => {
  await db.query('create schema acme');
  const orm = await db.orm();
  const config = {
    logger: silent,
    databases: {
      shared: { orm, revisions: chain(1, { prefix: 'sh' }) },
      tenants: { orm, revisions: chain(2, { prefix: 'tn' }), tenants: { schemas: ['acme'] } },
    },
  };
  let ran = await run(['upgrade', '--all-tenants'], config);
  t.equal(ran.code, 1);
  t.match(
    ran.err,
    /--tenant and --all-tenants act on one database: add --db <name> \(the databases are "shared", "tenants"\)/,
  );
  ran = await run(['upgrade'], config);
  t.equal(ran.code, 1, 'all databases: the tenant one refuses without a tenant flag');
  t.match(
    ran.out,
    /^database shared:\n {2}applied: sh0001\n[\s\S]*^database tenants:\n {2}error UPSHIFT_COMMAND_USAGE: Database "tenants" migrates tenant schemas/m,
  );
  t.same(await tablesOf(db, 'public'), ['t_sh0001'], "the shared bundle in the app's schema, no tenant table there");
  ran = await run(['upgrade', '--db', 'tenants', '--all-tenants'], config);
  t.equal(ran.code, 0);
  t.same(await tablesOf(db, 'acme'), ['t_tn0001', 't_tn0002']);
});
