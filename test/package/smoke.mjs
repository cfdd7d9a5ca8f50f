// A smoke suite for an installed upshift, run by plain Node inside an app folder that has installed
// the packed tarball and a MikroORM driver (test/package.test.ts with the versions the tests pin,
// .ci/compat-latest.mjs with the newest the registry has):
//   node smoke.mjs sqlite <file>
//   node smoke.mjs postgresql <server URL>   (a database of its own is created there, then dropped)
// Through the public API only: init(), revision() twice from entity changes, check() (and its
// drift error), then on the database upgrade, a no-op upgrade, status(), downgrade, upgrade again,
// history(), and an unknown target. Prints one line per check; exits non-zero on the first failure.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defineEntity, p } from '@mikro-orm/core';
import { Migrator, UnknownTargetError, UpshiftError } from 'upshift';
import { check, init, revision, SchemaDriftError } from 'upshift/dev';

const [dialect, location] = process.argv.slice(2);
if (!['sqlite', 'postgresql'].includes(dialect ?? '') || !location) {
  process.stderr.write('usage: node smoke.mjs sqlite <file> | postgresql <server URL>\n');
  process.exit(2);
}
// The revisions revision() writes are TypeScript, imported as the app would: Node must strip types.
if (!process.features.typescript) {
  process.stderr.write(`smoke.mjs needs a Node that runs .ts files (22.18+, 23.6+); this is ${process.version}\n`);
  process.exit(2);
}
const { MikroORM } = await import(dialect === 'sqlite' ? '@mikro-orm/sqlite' : '@mikro-orm/postgresql');
const work = mkdtempSync(join(process.cwd(), 'smoke-'));
const dir = join(work, 'revisions');
let passed = 0;

function ok(description) {
  passed++;
  process.stdout.write(`ok ${passed} - ${dialect}: ${description}\n`);
}

/** The model at each step: 1 a user table, 2 adds a nullable email, 3 a nullable age. */
function entities(step) {
  return [
    defineEntity({
      name: 'SmokeUser',
      tableName: 'smoke_user',
      properties: {
        id: p.integer().primary().autoincrement(),
        name: p.string(),
        ...(step >= 2 ? { email: p.string().nullable() } : {}),
        ...(step >= 3 ? { age: p.integer().nullable() } : {}),
      },
    }),
  ];
}

const postgres = dialect === 'postgresql' ? await createPostgresDatabase(location) : undefined;
const target = postgres?.url ?? location;
const opened = [];
async function openOrm(step, where = target) {
  const settings = dialect === 'sqlite' ? { dbName: where } : { clientUrl: where };
  const orm = await MikroORM.init({ ...settings, entities: entities(step), allowGlobalContext: true });
  opened.push(orm);
  return orm;
}
const query = (orm, sql) => orm.em.getConnection().execute(sql);
async function columns(orm) {
  const rows =
    dialect === 'sqlite'
      ? await query(orm, "select name from pragma_table_info('smoke_user')")
      : await query(
          orm,
          "select column_name as name from information_schema.columns where table_name = 'smoke_user' and table_schema = current_schema()",
        );
  return rows.map((row) => row.name).sort();
}
let loads = 0;
async function bundle() {
  return (await import(`${pathToFileURL(join(dir, 'index.ts')).href}?load=${++loads}`)).revisions;
}

try {
  await init({ dir });
  assert.ok(existsSync(join(dir, 'index.ts')), 'init() writes index.ts from the shipped template');
  ok('init() copies the revisions template');

  // revision() only borrows the entities: the SQLite shadow is in memory, PostgreSQL's a temporary database.
  const shadowOf = dialect === 'sqlite' ? ':memory:' : target;
  const first = await revision({ orm: await openOrm(1, shadowOf), dir, message: 'create smoke user' });
  assert.ok(first && existsSync(first.path), 'the first revision is written');
  assert.deepEqual(first.parents, []);
  assert.ok(
    first.up.some((statement) => /create table/i.test(statement)),
    `the first revision creates the table: ${first.up.join('; ')}`,
  );
  const withEmail = await openOrm(2, shadowOf);
  const second = await revision({ orm: withEmail, dir, message: 'add email' });
  assert.ok(second, 'the second revision is written');
  assert.deepEqual(second.parents, [first.id]);
  assert.ok(
    second.up.some((statement) => /email/.test(statement)),
    `the second revision adds email: ${second.up.join('; ')}`,
  );
  assert.equal(await revision({ orm: withEmail, dir, message: 'nothing' }), null, 'no change, no revision');
  assert.equal(readdirSync(dir).filter((file) => file.endsWith('.ts') && file !== 'index.ts').length, 2);
  ok('revision() writes one revision per model change, and none without a change');

  const revisions = await bundle();
  assert.equal(revisions.length, 2);
  const checked = await check({ orm: withEmail, revisions });
  assert.equal(checked.revisions, 2);
  ok("check() passes: the revisions build the entities' schema and survive a round trip");
  const drift = await check({ orm: await openOrm(3, shadowOf), revisions }).then(
    () => undefined,
    (error) => error,
  );
  assert.ok(
    drift instanceof SchemaDriftError,
    `check() with a newer model rejects with SchemaDriftError, got ${drift}`,
  );
  assert.ok(
    drift instanceof UpshiftError && typeof drift.code === 'string',
    'one UpshiftError class across upshift and upshift/dev',
  );
  ok(`check() rejects an entity change without a revision (${drift.code})`);

  const orm = await openOrm(2);
  const migrator = new Migrator({ orm, revisions });
  const applied = await migrator.upgrade();
  assert.deepEqual(applied.applied, [first.id, second.id]);
  assert.deepEqual(applied.current, [second.id]);
  assert.deepEqual(await columns(orm), ['email', 'id', 'name']);
  await query(orm, "insert into smoke_user (name, email) values ('Ada', 'ada@example.com')");
  ok('upgrade() applies both revisions');

  const again = await new Migrator({ orm, revisions }).upgrade();
  assert.deepEqual(again.applied, []);
  assert.deepEqual(again.current, [second.id]);
  const status = await migrator.status();
  assert.equal(status.upToDate, true);
  assert.deepEqual(status.pending, []);
  ok('a second upgrade() is a no-op, and status() says up to date');

  const down = await migrator.downgrade('-1');
  assert.deepEqual(down.reverted, [second.id]);
  assert.deepEqual(down.current, [first.id]);
  assert.deepEqual(await columns(orm), ['id', 'name']);
  assert.deepEqual(
    (await query(orm, 'select name from smoke_user')).map((row) => row.name),
    ['Ada'],
  );
  ok("downgrade('-1') reverts the last revision and keeps the rows");

  const up = await migrator.upgrade();
  assert.deepEqual(up.applied, [second.id]);
  const history = await migrator.history();
  assert.deepEqual(
    history.map((entry) => [entry.id, entry.applied]),
    [
      [first.id, true],
      [second.id, true],
    ],
  );
  ok('upgrade() after a downgrade applies it again; history() lists both as applied');

  const unknown = await migrator.upgrade('nope').then(
    () => undefined,
    (error) => error,
  );
  assert.ok(
    unknown instanceof UnknownTargetError && unknown instanceof UpshiftError,
    `an unknown target rejects with UnknownTargetError, got ${unknown}`,
  );
  assert.equal(unknown.code, 'UPSHIFT_UNKNOWN_TARGET');
  assert.match(unknown.message, /nope/);
  ok('an unknown target rejects with a typed UpshiftError');
} catch (error) {
  process.stdout.write(`not ok ${passed + 1} - ${dialect}\n`);
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exitCode = 1;
} finally {
  await Promise.allSettled(opened.map((orm) => orm.close(true)));
  await postgres?.drop();
  rmSync(work, { recursive: true, force: true });
}
if (!process.exitCode) process.stdout.write(`smoke: ${dialect}: ${passed} checks passed\n`);

/** A database of its own on the server, through the pg that @mikro-orm/postgresql brings. */
async function createPostgresDatabase(server) {
  const pg = createRequire(import.meta.resolve('@mikro-orm/postgresql'))('pg');
  const name = `upshift_smoke_${randomBytes(6).toString('hex')}`;
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.href, drop: () => admin(`drop database if exists ${name} with (force)`) };
}
