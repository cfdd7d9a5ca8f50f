/**
 * baseline(): an app with tables and no history. The baseline is recorded, not run, on a database
 * that has the tables; run on a new one; refused (BaselineMismatchError) on one that has only some.
 */
import { defineEntity, p } from '@mikro-orm/core';
import { randomBytes } from 'node:crypto';
import { BaselineMismatchError, Migrator, RevisionFailedError, UpshiftError } from 'upshift';
import { baseline, init } from 'upshift/dev';
import { eachDialect, onPostgres } from './helpers/each-dialect.ts';
import { createDatabase } from './helpers/databases.ts';
import { loadEntries, silent } from './dev/load.ts';
import { workspace } from './dev/workspace.ts';
import { join } from 'node:path';
import { startWorker } from './helpers/workers.ts';

const REPLICA = new URL('fixtures/adopt-worker.ts', import.meta.url).pathname;

const Author = defineEntity({
  name: 'Author',
  tableName: 'author',
  properties: { id: p.integer().primary(), name: p.string() },
});
const Book = defineEntity({
  name: 'Book',
  tableName: 'book',
  properties: { id: p.integer().primary(), title: p.string() },
});

eachDialect('baseline: recorded on existing tables, run on a new database, refused on a partial one', async (t, db) => {
  const ws = workspace();
  t.teardown(() => ws.remove());
  await init({ dir: ws.dir });
  const orm = await db.orm([Author, Book]);
  await orm.schema.create();
  await db.query("insert into author (id, name) values (1, 'kept')");
  const written = await baseline({ orm, dir: ws.dir, logger: silent });
  const revisions = await loadEntries(ws.dir);
  t.same(
    revisions.map((r) => r.id),
    [written.id],
  );

  const existing = await new Migrator({ orm, revisions, logger: silent }).upgrade();
  t.same(existing.applied, [], 'existing tables: the baseline is not run');
  t.same(existing.current, [written.id], 'it is recorded');
  t.match(
    (await db.query<{ applied_by: string }>('select applied_by from upshift_revisions'))[0]!.applied_by,
    /baseline/,
  );
  t.same(await db.query('select name from author'), [{ name: 'kept' }], 'rows untouched');

  const fresh = await createDatabase(db.dialect);
  t.teardown(() => fresh.drop());
  t.same(
    (await new Migrator({ orm: await fresh.orm(), revisions, logger: silent }).upgrade()).applied,
    [written.id],
    'new database: the baseline runs',
  );
  t.same(await fresh.query('select id from book'), [], 'its tables exist');

  // Several replicas at once against another database that has the tables: recorded once, run by none.
  const other = await createDatabase(db.dialect);
  t.teardown(() => other.drop());
  await (await other.orm([Author, Book])).schema.create();
  const workers = Array.from({ length: 4 }, () => startWorker(other, { REVISIONS: join(ws.dir, 'index.ts') }, REPLICA));
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.go();
  const results = await Promise.all(workers.map((w) => w.done));
  t.ok(
    results.every((r) => r.result?.ok && r.result.applied.length === 0),
    `every replica settles, none runs the baseline: ${JSON.stringify(results.map((r) => r.result))}`,
  );
  t.same(
    (await other.query<{ id: string }>('select id from upshift_revisions')).map((r) => r.id),
    [written.id],
  );

  const partial = await createDatabase(db.dialect);
  t.teardown(() => partial.drop());
  await partial.query('create table author (id integer primary key)');
  await t.rejects(new Migrator({ orm: await partial.orm(), revisions, logger: silent }).upgrade(), {
    code: 'UPSHIFT_BASELINE_MISMATCH',
    missingTables: ['book'],
    missingColumns: ['author.name'],
  });
  t.same(await partial.query('select id from upshift_revisions'), [], 'nothing recorded');
});

onPostgres(
  'baseline: a table it may not read is an error, never a new database to run the baseline on',
  async (t, db) => {
    const ws = workspace();
    t.teardown(() => ws.remove());
    await init({ dir: ws.dir });
    const owner = await db.orm([Author, Book]);
    t.teardown(() => owner.close(true));
    await owner.schema.create();
    await db.query("insert into author (id, name) values (1, 'kept')");
    await baseline({ orm: owner, dir: ws.dir, logger: silent });
    const revisions = await loadEntries(ws.dir);

    // The app's role may create upshift's tables but not read the app's: the check's read fails
    // with "permission denied", which says nothing about whether the tables exist.
    const role = `upshift_noread_${randomBytes(4).toString('hex')}`;
    await db.query(`create role "${role}" login`);
    t.teardown(() => db.query(`drop owned by "${role}"; drop role if exists "${role}"`));
    await db.query(`grant create, usage on schema public to "${role}"`);
    await db.query(`grant create on database "${db.location.split('/').pop()}" to "${role}"`);
    const app = await db.orm([Author, Book], { user: role });
    t.teardown(() => app.close(true));

    const error = await new Migrator({ orm: app, revisions, logger: silent }).upgrade().then(
      () => undefined,
      (e: unknown) => e,
    );
    t.type(error, UpshiftError, 'a typed error');
    t.notOk(error instanceof BaselineMismatchError, 'not read as tables missing');
    t.notOk(error instanceof RevisionFailedError, 'and the baseline was not run over the existing tables');
    t.match((error as Error).message, /permission denied/, 'the message names the cause');
    const [table] = await db.query<{ name: string | null }>(
      "select to_regclass('public.upshift_revisions')::text as name",
    );
    const recorded = table?.name ? await db.query('select id from upshift_revisions') : [];
    t.same(recorded, [], 'nothing recorded');
    t.same(await db.query('select name from author'), [{ name: 'kept' }], 'rows untouched');
  },
);
