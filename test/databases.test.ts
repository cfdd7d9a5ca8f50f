// Several databases (issue 26, item 1): one revisions folder per database, a revision for every
// database that changed in one call, one upgrade of all at boot, each under its own lock; a failure
// in one names it and leaves the others consistent. One PostgreSQL and one SQLite database at once.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { defineEntity, p } from '@mikro-orm/core';
import { DatabasesFailedError, defineRevision, MigratorSet, type RevisionEntry } from 'upshift';
import { checkDatabases, initDatabases, revisionDatabases } from 'upshift/dev';
import { createDatabase, postgresAvailable } from './helpers/databases.ts';
import { loadEntries, silent } from './dev/load.ts';
import { workspace } from './dev/workspace.ts';

const User = (v: 1 | 2) =>
  defineEntity({
    name: 'User',
    properties:
      v === 1
        ? { id: p.integer().primary(), name: p.string() }
        : { id: p.integer().primary(), name: p.string(), email: p.string().nullable() },
  });
const Event = defineEntity({ name: 'Event', properties: { id: p.integer().primary(), kind: p.string() } });

t.test('several databases: init, revision for each that changed, one upgrade, one failure named', async (t) => {
  if (!(await postgresAvailable())) return t.plan(0, 'PostgreSQL is not reachable');
  const main = await createDatabase('postgresql');
  const analytics = await createDatabase('sqlite');
  t.teardown(async () => {
    await main.drop();
    await analytics.drop();
  });
  const ws = workspace();
  t.teardown(ws.remove);

  await initDatabases({ dir: ws.dir, databases: ['main', 'analytics'] });
  t.ok(
    existsSync(join(ws.dir, 'main', 'index.ts')) && existsSync(join(ws.dir, 'analytics', 'index.ts')),
    'a folder per database',
  );
  t.match(
    readFileSync(join(ws.dir, 'index.ts'), 'utf8'),
    /export const databases = \{\n {2}"main": db0,\n {2}"analytics": db1,/,
  );

  const first = await revisionDatabases({
    dir: ws.dir,
    message: 'first',
    logger: silent,
    databases: { main: await main.orm([User(1)]), analytics: await analytics.orm([Event]) },
  });
  t.ok(first.main && first.analytics, 'a revision for each database');
  const second = await revisionDatabases({
    dir: ws.dir,
    message: 'email',
    logger: silent,
    databases: { main: await main.orm([User(2)]), analytics: await analytics.orm([Event]) },
  });
  t.ok(second.main, 'main changed');
  t.equal(second.analytics, null, 'analytics did not: no revision there');

  const { databases } = (await import(`${pathToFileURL(join(ws.dir, 'index.ts')).href}?n=1`)) as {
    databases: Record<string, readonly RevisionEntry[]>;
  };
  const mainOrm = await main.orm([User(2)]);
  const analyticsOrm = await analytics.orm([Event]);
  const set = new MigratorSet(
    {
      main: { orm: mainOrm, revisions: databases.main! },
      analytics: { orm: analyticsOrm, revisions: databases.analytics! },
    },
    { logger: silent },
  );
  const results = await set.upgrade();
  t.same(Object.keys(results), ['main', 'analytics']);
  t.equal(results.main!.applied.length, 2);
  t.equal(results.analytics!.applied.length, 1);
  t.same(await main.query("select column_name from information_schema.columns where table_name = 'user' order by 1"), [
    { column_name: 'email' },
    { column_name: 'id' },
    { column_name: 'name' },
  ]);
  t.same(await analytics.query("select name from sqlite_master where name = 'event'"), [{ name: 'event' }]);
  t.same(
    await checkDatabases({
      databases: {
        main: { orm: mainOrm, revisions: databases.main! },
        analytics: { orm: analyticsOrm, revisions: databases.analytics! },
      },
    }).then((r) => Object.keys(r)),
    ['main', 'analytics'],
    'check() covers both',
  );

  // analytics gets a revision that fails; main gets one that works: main is applied, analytics stays where it was.
  const mainEntries = await loadEntries(join(ws.dir, 'main'));
  const analyticsEntries = await loadEntries(join(ws.dir, 'analytics'));
  const mainHead = set.database('main').heads()[0]!;
  const analyticsHead = set.database('analytics').heads()[0]!;
  const good = defineRevision({
    id: 'good_main',
    parents: [mainHead],
    async up({ sql }) {
      await sql('create table audit (id integer primary key)');
    },
  });
  const bad = defineRevision({
    id: 'bad_analytics',
    parents: [analyticsHead],
    async up({ sql }) {
      await sql('create table x (id integer)');
      throw new Error('boom');
    },
  });
  const next = new MigratorSet(
    {
      main: { orm: mainOrm, revisions: [...mainEntries, good] },
      analytics: { orm: analyticsOrm, revisions: [...analyticsEntries, bad] },
    },
    { logger: silent },
  );
  const error = (await next.upgrade().catch((e: unknown) => e)) as DatabasesFailedError;
  t.type(error, DatabasesFailedError);
  t.equal(error.code, 'UPSHIFT_DATABASES_FAILED');
  t.match(error.message, /"analytics": UPSHIFT_REVISION_FAILED/);
  t.ok(error.results.main?.ok, 'main completed');
  t.same(
    await main.query("select count(*)::int as n from pg_tables where tablename = 'audit'"),
    [{ n: 1 }],
    'its revision is applied',
  );
  t.same(
    await analytics.query("select name from sqlite_master where name = 'x'"),
    [],
    'the failed revision left nothing in analytics',
  );
  t.same(
    (await next.database('analytics').status()).pending,
    ['bad_analytics'],
    'and analytics is at its last good revision',
  );
});
