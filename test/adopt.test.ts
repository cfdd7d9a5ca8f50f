/**
 * The way in from @mikro-orm/migrations: migrations written and run by @mikro-orm/migrations
 * 7.2.1 itself, imported with importMikroOrmMigrations(), then the first upshift boot (one
 * process, or several replicas at once) records what MikroORM applied and runs only the rest.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import t from 'tap';
import { Migrator, type RevisionEntry } from 'upshift';
import { importMikroOrmMigrations } from 'upshift/dev';
import { authorsAndBooks, authorsOnly, mikroMigrations } from './fixtures/adopt-app.ts';
import pg from 'pg';
import { eachDatabase, onPostgres, type TapTest } from './helpers/each-dialect.ts';
import { leftovers } from './helpers/faults.ts';
import type { AnyDialectName, TestDatabase } from './helpers/databases.ts';
import { pino } from 'pino';
import { startWorker } from './helpers/workers.ts';
import { workspace } from './dev/workspace.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const ADOPT_WORKER = fileURLToPath(new URL('fixtures/adopt-worker.ts', import.meta.url));

interface MikroApp {
  revisionsIndex: string;
  names: string[];
}

/**
 * A database MikroORM migrated: migration 1 (authors) generated and run by MikroORM, with a row;
 * migration 2 (books) generated but not run. Both imported into an upshift revisions folder.
 */
async function mikroMigratedApp(t: TapTest, db: TestDatabase<AnyDialectName>): Promise<MikroApp> {
  const ws = workspace();
  t.teardown(() => ws.remove());
  // The migration files import @mikro-orm/migrations, as an app's do.
  symlinkSync(join(ROOT, 'node_modules', '@mikro-orm'), join(ws.root, 'node_modules', '@mikro-orm'), 'dir');
  const from = join(ws.root, 'migrations');
  mkdirSync(from);
  const first = await db.orm(authorsOnly(), mikroMigrations(from));
  await first.migrator.create(from, false, false, 'authors');
  await first.migrator.up();
  await first.em.getConnection().execute("insert into author (id, name) values (1, 'kept')");
  const second = await db.orm(authorsAndBooks(), mikroMigrations(from));
  await second.migrator.create(from, false, false, 'books');
  const names = readdirSync(from)
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
  t.equal(names.length, 2, 'MikroORM wrote two migrations');
  const imported = await importMikroOrmMigrations({ from, dir: ws.dir, logger: pino({ level: 'silent' }) });
  t.same(
    imported.map((r) => r.id),
    names,
    'one revision per migration, named as MikroORM names it, in its order',
  );
  t.same(imported[1]!.parents, [names[0]], 'chained in execution order');
  t.match(
    readFileSync(imported[1]!.path, 'utf8'),
    /create table [`"]book[`"]/,
    'the revision holds the SQL up() gave addSql()',
  );
  return { revisionsIndex: join(ws.dir, 'index.ts'), names };
}

async function bundleOf(index: string): Promise<RevisionEntry[]> {
  return ((await import(`${pathToFileURL(index).href}?${Math.random()}`)) as { revisions: RevisionEntry[] }).revisions;
}

eachDatabase('first boot records what MikroORM applied, runs the rest', async (t, db) => {
  const app = await mikroMigratedApp(t, db);
  const orm = await db.orm();
  const migrator = new Migrator({
    orm,
    revisions: await bundleOf(app.revisionsIndex),
    logger: pino({ level: 'silent' }),
  });
  const result = await migrator.upgrade();
  t.same(result.applied, [app.names[1]], 'only the migration MikroORM had not run is run');
  const rows = await db.query<{ id: string; applied_by: string }>(
    'select id, applied_by from upshift_revisions order by id',
  );
  t.same(
    rows.map((r) => r.id),
    app.names,
    'both recorded',
  );
  t.match(rows[0]!.applied_by, /adopted from mikro_orm_migrations/);
  t.same(await db.query('select name from author'), [{ name: 'kept' }], 'MikroORM-era data untouched');
  t.same(
    await db.query('select count(*) as n from book').then((r) => Number((r[0] as { n: unknown }).n)),
    0,
    'books created',
  );
  t.same((await migrator.upgrade()).applied, [], 'the next boot does nothing');
  t.equal((await db.query('select name from mikro_orm_migrations')).length, 1, "MikroORM's table is only read");
});

eachDatabase('several replicas booting at once switch over exactly once', async (t, db) => {
  const app = await mikroMigratedApp(t, db);
  const workers = Array.from({ length: 4 }, () => startWorker(db, { REVISIONS: app.revisionsIndex }, ADOPT_WORKER));
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.go();
  const results = await Promise.all(workers.map((w) => w.done));
  for (const r of results)
    t.ok(r.result?.ok, `replica settles ok: ${JSON.stringify(r.result) ?? r.stderr.slice(-500)}`);
  const applied = results.flatMap((r) => (r.result?.applied as string[] | undefined) ?? []);
  t.same(applied, [app.names[1]], 'the pending migration ran once, in one replica; the adopted one in none');
  const rows = await db.query<{ id: string }>('select id from upshift_revisions order by id');
  t.same(
    rows.map((r) => r.id),
    app.names,
  );
});

eachDatabase('a MikroORM migration the bundle lacks: AdoptionError, nothing recorded or run', async (t, db) => {
  const app = await mikroMigratedApp(t, db);
  await db.query(
    "insert into mikro_orm_migrations (name, executed_at) values ('Migration20990101000000_later', current_timestamp)",
  );
  const orm = await db.orm();
  const migrator = new Migrator({
    orm,
    revisions: await bundleOf(app.revisionsIndex),
    logger: pino({ level: 'silent' }),
  });
  await t.rejects(migrator.upgrade(), { code: 'UPSHIFT_ADOPTION_UNKNOWN', unknown: ['Migration20990101000000_later'] });
  t.same(await db.query('select id from upshift_revisions'), [], 'nothing recorded');
  await t.rejects(db.query('select 1 from book'), 'nothing run');
});

t.test('importMikroOrmMigrations: a query builder statement is a typed error naming the file', async (t) => {
  const ws = workspace();
  t.teardown(() => ws.remove());
  symlinkSync(join(ROOT, 'node_modules', '@mikro-orm'), join(ws.root, 'node_modules', '@mikro-orm'), 'dir');
  const from = join(ws.root, 'migrations');
  mkdirSync(from);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    join(from, 'Migration20260101000000.ts'),
    "import { Migration } from '@mikro-orm/migrations';\nexport class Migration20260101000000 extends Migration {\n  override async up(): Promise<void> { this.addSql({ toString: () => 'x' } as never); }\n}\n",
  );
  await t.rejects(importMikroOrmMigrations({ from, dir: ws.dir, logger: pino({ level: 'silent' }) }), {
    code: 'UPSHIFT_MIGRATION_IMPORT',
    file: join(from, 'Migration20260101000000.ts'),
  });
  t.same(
    readdirSync(ws.dir).filter((f) => f.startsWith('Migration')),
    [],
    'nothing written',
  );
});

onPostgres(
  'a replica SIGKILLed inside the adoption unit: nothing half-recorded, no lock left, the next boot adopts',
  async (t, db) => {
    const app = await mikroMigratedApp(t, db);
    const orm = await db.orm();
    const revisions = await bundleOf(app.revisionsIndex);
    // upshift's tables, empty: stamp('base') creates them and records nothing.
    await new Migrator({ orm, revisions, logger: pino({ level: 'silent' }) }).stamp('base');
    t.same(await db.query('select id from upshift_revisions'), [], 'empty version table');
    // A SHARE lock lets every read through and holds the first write: the adoption's insert waits
    // inside its unit, after its reads, until the replica is killed there.
    const blocker = new pg.Client({ connectionString: db.location });
    await blocker.connect();
    t.teardown(() => blocker.end());
    await blocker.query('begin');
    await blocker.query('lock table upshift_revisions in share mode');
    const worker = startWorker(db, { REVISIONS: app.revisionsIndex }, ADOPT_WORKER);
    await worker.ready;
    worker.go();
    await waitFor(async () => {
      const rows = await db.query(
        "select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike 'insert into%upshift_revisions%'",
      );
      return rows.length > 0;
    });
    worker.child.kill('SIGKILL');
    const ended = await worker.done;
    t.equal(ended.signal, 'SIGKILL', 'killed inside the unit');
    await blocker.query('commit');
    await waitFor(async () => (await leftovers(db)).advisoryLocks === 0);
    t.same(await leftovers(db), { advisoryLocks: 0, openTransactions: 0 }, 'no lock, no transaction left');
    t.same(await db.query('select id from upshift_revisions'), [], 'nothing half-recorded');
    await t.rejects(db.query('select 1 from book'), 'nothing run');
    const result = await new Migrator({ orm, revisions, logger: pino({ level: 'silent' }) }).upgrade();
    t.same(result.applied, [app.names[1]], 'the next boot adopts, then runs only the rest');
    t.same(
      (await db.query<{ id: string }>('select id from upshift_revisions order by id')).map((r) => r.id),
      app.names,
    );
  },
);

async function waitFor(condition: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
