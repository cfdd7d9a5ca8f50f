import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import t from 'tap';
import { defineEntity, p } from '@mikro-orm/core';
import { defineRevision, UpshiftError } from 'upshift';
import {
  BundleIndexError,
  check,
  DirectoryNotEmptyError,
  init,
  InvalidDevOptionError,
  revision,
  RoundTripError,
  SchemaDriftError,
  ShadowDatabaseError,
} from 'upshift/dev';
import { eachDatabase } from '../helpers/each-dialect.ts';
import { openOrm, PG_ADMIN_URL, postgresAvailable } from '../helpers/databases.ts';
import { files, silent } from './load.ts';
import { snapshot } from './snapshot.ts';
import { workspace } from './workspace.ts';
import { createThing } from './create-thing.ts';

const Thing = () => defineEntity({ name: 'Thing', properties: { id: p.integer().primary(), label: p.string() } });

t.test('init() writes the template and refuses a non-empty folder', async (t) => {
  const ws = workspace();
  t.teardown(ws.remove);
  const result = await init({ dir: ws.dir });
  t.same(files(ws.dir), ['.gitattributes', 'README.md', 'index.ts', 'revision.ts.template']);
  t.equal(
    readFileSync(join(ws.dir, '.gitattributes'), 'utf8'),
    'index.ts merge=union\n',
    'index.ts merges as a union in git',
  );
  t.equal(result.files.length, 4);
  const error = await init({ dir: ws.dir }).catch((e: unknown) => e);
  t.ok(error instanceof DirectoryNotEmptyError && error instanceof UpshiftError);
  t.equal((error as DirectoryNotEmptyError).code, 'UPSHIFT_DIR_NOT_EMPTY');
  t.match((error as Error).message, ws.dir);
  const other = join(ws.root, 'other');
  mkdirSync(other);
  writeFileSync(join(other, 'keep.txt'), 'mine');
  await t.rejects(init({ dir: other }), DirectoryNotEmptyError);
  t.same(files(other), ['keep.txt'], 'nothing written into the non-empty folder');
  await t.rejects(init({ dir: '' }), InvalidDevOptionError);
});

t.test('revision() and merge() check their input before writing anything', async (t) => {
  const ws = workspace();
  t.teardown(ws.remove);
  await t.rejects(
    revision({ dir: ws.dir, message: 'x', autogenerate: false }),
    BundleIndexError,
    'no init(): a clear error',
  );
  await init({ dir: ws.dir });
  const listed = files(ws.dir);
  for (const message of [undefined, '', '   ', 42]) {
    await t.rejects(revision({ dir: ws.dir, message: message as string, autogenerate: false }), {
      code: 'UPSHIFT_INVALID_OPTION',
      option: 'message',
    });
  }
  await t.rejects(revision({ dir: ws.dir, message: 'x', autogenerate: false, id: 'no-dashes!' }), {
    code: 'UPSHIFT_INVALID_OPTION',
    option: 'id',
  });
  await t.rejects(revision({ dir: ws.dir, message: 'x', orm: {} as never }), {
    code: 'UPSHIFT_INVALID_OPTION',
    option: 'orm',
  });
  await revision({ dir: ws.dir, message: 'x', autogenerate: false, id: 'fixed_id', logger: silent });
  const now = files(ws.dir);
  await t.rejects(revision({ dir: ws.dir, message: 'y', autogenerate: false, id: 'fixed_id' }), {
    code: 'UPSHIFT_INVALID_OPTION',
    option: 'id',
  });
  t.same(files(ws.dir), now, 'a refused call writes nothing');
  t.not(now.length, listed.length);
  writeFileSync(join(ws.dir, 'index.ts'), 'export const revisions = [];\n');
  await t.rejects(
    revision({ dir: ws.dir, message: 'x', autogenerate: false }),
    { code: 'UPSHIFT_BUNDLE_INDEX', message: /upshift:revisions/ },
    'index.ts without its marker',
  );
});

eachDatabase(
  'check() reports drift and a revision whose down does not undo its up, and never touches the app database',
  async (t, db) => {
    const orm = await db.orm([Thing()]);
    await db.query('create table keepme (id integer primary key)');
    await db.query('insert into keepme (id) values (1), (2)');
    const before = await snapshot(db);

    const drift = await check({ orm, revisions: [] }).catch((e: unknown) => e);
    t.ok(drift instanceof SchemaDriftError, 'entities without revisions: drift');
    t.match(
      (drift as SchemaDriftError).statements.join('\n'),
      /create table .thing./,
      'listing the SQL it would generate',
    );
    t.match((drift as Error).message, /revision\(\)/);

    const result = await check({ orm, revisions: [createThing] });
    t.equal(result.revisions, 1, 'a matching bundle passes');

    const badDown = defineRevision({
      id: 'bad_down_01',
      parents: ['thing_0001'],
      message: 'adds a column, forgets to drop it',
      async up({ sql }) {
        await sql('alter table thing add column extra integer null');
      },
      async down() {},
    });
    const roundTrip = await check({ orm, revisions: [createThing, badDown] }).catch((e: unknown) => e);
    t.ok(roundTrip instanceof RoundTripError, 'a down() that does not undo up() is caught');
    t.equal((roundTrip as RoundTripError).revisionId, 'bad_down_01', 'and named');
    t.equal((roundTrip as RoundTripError).step, 'down');
    t.match(
      (roundTrip as RoundTripError).statements.join('\n'),
      /extra/,
      'with the statements that would restore the schema',
    );

    const failing = defineRevision({
      id: 'fails_0001',
      parents: ['thing_0001'],
      async up({ sql }) {
        await sql('alter table no_such_table add column x integer');
      },
    });
    await t.rejects(check({ orm, revisions: [createThing, failing] }), {
      code: 'UPSHIFT_ROUND_TRIP',
      revisionId: 'fails_0001',
      step: 'up',
    });

    t.same(await snapshot(db), before, "after all of that, the app's database is exactly as it was");
  },
);

t.test(
  'PostgreSQL: a role that may not CREATE DATABASE gets ShadowDatabaseError, and nothing is written',
  async (t) => {
    if (!(await postgresAvailable())) return t.plan(0, 'PostgreSQL is not reachable');
    const role = `upshift_nocreatedb_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`create role "${role}" login nocreatedb`);
    const url = new URL(PG_ADMIN_URL);
    url.username = role;
    const orm = await openOrm('postgresql', url.toString(), [Thing()]);
    t.teardown(async () => {
      await orm.close(true);
      await admin.query(`drop role if exists "${role}"`);
      await admin.end();
    });
    const ws = workspace();
    t.teardown(ws.remove);
    await init({ dir: ws.dir });
    const listed = files(ws.dir);
    const error = await revision({ orm, dir: ws.dir, message: 'x', logger: silent }).catch((e: unknown) => e);
    t.ok(error instanceof ShadowDatabaseError, 'a typed error');
    t.equal((error as ShadowDatabaseError).code, 'UPSHIFT_SHADOW_DATABASE');
    t.match((error as Error).message, /CREATEDB/, 'telling how to fix it');
    t.same(files(ws.dir), listed, 'no file written');
    await t.rejects(check({ orm, revisions: [] }), ShadowDatabaseError);
  },
);

t.test('PostgreSQL: the shadow database is dropped afterwards', async (t) => {
  if (!(await postgresAvailable())) return t.plan(0, 'PostgreSQL is not reachable');
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  t.teardown(() => admin.end());
  // Shadow databases carry the pid of the process that made them: only this process's count here.
  const shadows = async () =>
    (
      await admin.query('select datname from pg_database where datname like $1', [`upshift_shadow_${process.pid}_%`])
    ).rows.map((r) => r.datname as string);
  const orm = await openOrm('postgresql', PG_ADMIN_URL, [Thing()]);
  t.teardown(() => orm.close(true));
  await check({ orm, revisions: [createThing] });
  await check({ orm, revisions: [] }).catch(() => undefined);
  t.same(await shadows(), [], 'no shadow database left behind, on success or failure');
});
