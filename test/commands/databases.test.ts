// runCommand on several databases at once (issue 26, item 1): one PostgreSQL and one SQLite.
// `--db <name>` picks one; without it a runtime command runs on every database, a part each, and
// one that fails is named while the others complete; what belongs to one database is refused.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { defineEntity, p } from '@mikro-orm/core';
import type { RevisionEntry } from 'upshift';
import { createDatabase, postgresAvailable, type TestDatabase } from '../helpers/databases.ts';
import type { TapTest } from '../helpers/each-dialect.ts';
import { chain } from '../helpers/revisions.ts';
import { userTables } from '../helpers/schema.ts';
import { loadEntries, silent } from '../dev/load.ts';
import { workspace } from '../dev/workspace.ts';
import { run, runJson } from './helpers.ts';

interface Part<T = Record<string, unknown>> {
  database: string;
  ok: boolean;
  result?: T;
  error?: { code: string; message: string };
}

async function pair(t: TapTest): Promise<{ main: TestDatabase; analytics: TestDatabase } | undefined> {
  if (!(await postgresAvailable())) {
    t.plan(0, 'PostgreSQL is not reachable');
    return undefined;
  }
  const main = await createDatabase('postgresql');
  const analytics = await createDatabase('sqlite');
  t.teardown(async () => {
    await main.drop();
    await analytics.drop();
  });
  return { main, analytics };
}

t.test('runtime commands: --db picks one, all by default with a part each, one failure named', async (t) => {
  const dbs = await pair(t);
  if (!dbs) return;
  const { main, analytics } = dbs;
  const config = {
    databases: {
      main: { orm: await main.orm(), revisions: chain(2, { prefix: 'ma' }) },
      analytics: { orm: await analytics.orm(), revisions: chain(3, { prefix: 'an' }) },
    },
    logger: silent,
  };

  const status = await runJson<{ databases: Part<{ pending: string[] }>[] }>(['status'], config);
  t.equal(status.code, 2, 'status on all: 2 while any database has revisions pending');
  t.same(
    status.json.databases.map((d) => [d.database, d.ok, d.result?.pending]),
    [
      ['main', true, ['ma0001', 'ma0002']],
      ['analytics', true, ['an0001', 'an0002', 'an0003']],
    ],
    'a result per database, named, in the configuration order',
  );

  let ran = await run(['upgrade', '--db', 'main'], config);
  t.equal(ran.code, 0);
  t.equal(ran.out, 'applied: ma0001, ma0002\ncurrent: ma0002\n', 'one database: its plain result');
  t.ok((await userTables(main)).includes('t_ma0002'), 'main upgraded');
  t.notOk((await userTables(analytics)).includes('t_an0001'), 'analytics untouched');

  ran = await run(['status'], config);
  t.equal(ran.code, 2);
  t.match(ran.out, /^database main:\n {2}up to date\n[\s\S]*^database analytics:\n {2}not up to date\n/m);

  const upgraded = await runJson<{ databases: Part<{ applied: string[] }>[] }>(['upgrade'], config);
  t.equal(upgraded.code, 0);
  t.same(
    upgraded.json.databases.map((d) => [d.database, d.result?.applied]),
    [
      ['main', []],
      ['analytics', ['an0001', 'an0002', 'an0003']],
    ],
  );
  t.equal((await run(['status'], config)).code, 0, 'status on all: 0 when every database is up to date');
  const current = await runJson<{ databases: Part<{ current: string[] }>[] }>(['current'], config);
  t.same(
    current.json.databases.map((d) => d.result?.current),
    [['ma0002'], ['an0003']],
  );
  ran = await run(['history'], config);
  t.match(
    ran.out,
    /^database main:\n {2}revision\s+parents[\s\S]*ma0002 \(head\)[\s\S]*^database analytics:\n[\s\S]*an0003 \(head\)/m,
  );

  ran = await run(['status', '--db', 'nope'], config);
  t.equal(ran.code, 1, 'an unknown --db exits 1');
  t.match(
    ran.err,
    /UPSHIFT_COMMAND_USAGE: --db "nope" is not a database of this configuration; the databases are "main", "analytics"/,
  );
  for (const line of [
    ['downgrade', '-1'],
    ['stamp', 'heads'],
    ['show', 'ma0001'],
    ['merge', '-m', 'x'],
    ['revision', '-m', 'x'],
  ]) {
    ran = await run(line, config);
    t.equal(ran.code, 1, `${line[0]} without --db exits 1`);
    t.match(
      ran.err,
      new RegExp(
        `UPSHIFT_COMMAND_USAGE: ${line[0]} acts on one database \\(.+\\): add --db <name> \\(the databases are "main", "analytics"\\)`,
      ),
    );
  }
  ran = await run(['downgrade', '-1', '--db', 'analytics'], config);
  t.equal(ran.code, 0);
  t.notOk((await userTables(analytics)).includes('t_an0003'), 'downgrade --db analytics reverted there');
  t.ok((await userTables(main)).includes('t_ma0002'), 'and only there');

  // main's next revision fails (its table exists already); analytics still upgrades.
  await main.query('create table t_ma0003 (id integer)');
  const failing = {
    ...config,
    databases: { ...config.databases, main: { ...config.databases.main, revisions: chain(3, { prefix: 'ma' }) } },
  };
  const failed = await runJson<{ databases: Part<{ applied: string[] }>[] }>(['upgrade'], failing);
  t.equal(failed.code, 1, 'one database failing: exit 1');
  t.same(
    failed.json.databases.map((d) => [d.database, d.ok, d.error?.code ?? d.result?.applied]),
    [
      ['main', false, 'UPSHIFT_REVISION_FAILED'],
      ['analytics', true, ['an0003']],
    ],
    'the failed one named with its error, the other done',
  );
  t.ok((await userTables(analytics)).includes('t_an0003'), 'analytics upgraded although main failed');
  ran = await run(['upgrade'], failing);
  t.match(ran.out, /^database main:\n {2}error UPSHIFT_REVISION_FAILED: /m);
  t.match(ran.err, /^error: 1 of 2 databases failed \(main\); the others completed\.$/m);
});

const User = defineEntity({
  name: 'CmdUser',
  tableName: 'cmd_user',
  properties: { id: p.integer().primary(), name: p.string() },
});
const Event = (withKind: boolean) =>
  defineEntity({
    name: 'CmdEvent',
    tableName: 'cmd_event',
    properties: withKind ? { id: p.integer().primary(), kind: p.string().nullable() } : { id: p.integer().primary() },
  });

/** Each database's bundle, fresh (its index.ts imported past the module cache). */
async function bundles(root: string): Promise<Record<string, readonly RevisionEntry[]>> {
  return { main: await loadEntries(join(root, 'main')), analytics: await loadEntries(join(root, 'analytics')) };
}

t.test(
  'development commands: init lays out every database, revision --autogenerate writes one per database that changed, check covers all',
  async (t) => {
    const dbs = await pair(t);
    if (!dbs) return;
    const ws = workspace();
    t.teardown(ws.remove);
    const config = (
      mainEntities: unknown[],
      analyticsEntities: unknown[],
      revisions?: Record<string, readonly RevisionEntry[]>,
    ) =>
      (async () => ({
        dir: ws.dir,
        logger: silent,
        databases: {
          main: { orm: await dbs.main.orm(mainEntities), revisions: revisions?.main ?? [] },
          analytics: { orm: await dbs.analytics.orm(analyticsEntities), revisions: revisions?.analytics ?? [] },
        },
      }))();

    const init = await runJson<{ databases: Part<{ dir: string }>[] }>(['init'], await config([], []));
    t.equal(init.code, 0);
    t.same(
      init.json.databases.map((d) => [d.database, d.result?.dir]),
      [
        ['main', join(ws.dir, 'main')],
        ['analytics', join(ws.dir, 'analytics')],
      ],
    );
    t.match(
      readFileSync(join(ws.dir, 'index.ts'), 'utf8'),
      /export const databases = \{\n {2}"main": db0,\n {2}"analytics": db1,/,
      'and the root index',
    );

    const first = await runJson<{ databases: Part<{ revision: { path: string } | null }>[] }>(
      ['revision', '--autogenerate', '-m', 'first'],
      await config([User], [Event(false)]),
    );
    t.equal(first.code, 0);
    t.ok(
      first.json.databases.every((d) => d.ok && d.result?.revision && existsSync(d.result.revision.path)),
      'a revision for each database',
    );
    const second = await runJson<{ databases: Part<{ revision: { path: string } | null }>[] }>(
      ['migrate', '-m', 'kind'],
      await config([User], [Event(true)], await bundles(ws.dir)),
    );
    t.same(
      second.json.databases.map((d) => [d.database, d.result?.revision === null]),
      [
        ['main', true],
        ['analytics', false],
      ],
      'only analytics changed: a revision there, none in main',
    );
    t.match(readFileSync(second.json.databases[1]!.result!.revision!.path, 'utf8'), /kind/);

    const revisions = await bundles(ws.dir);
    let ran = await run(['check'], await config([User], [Event(true)], revisions));
    t.equal(ran.code, 0, 'check passes on both');
    t.match(ran.out, /^database main:\n {2}ok: 1 revisions[\s\S]*^database analytics:\n {2}ok: 2 revisions/m);
    ran = await run(['check'], await config([User], [Event(false)], revisions));
    t.equal(ran.code, 1, 'check fails when one database drifts');
    t.match(
      ran.out,
      /^database main:\n {2}ok: 1 revisions[\s\S]*^database analytics:\n {2}error UPSHIFT_SCHEMA_DRIFT: /m,
    );
    t.match(ran.err, /1 of 2 databases failed \(analytics\)/);
    const one = await runJson<{ revision: { parents: string[] } }>(
      ['revision', '-m', 'by hand', '--db', 'main'],
      await config([User], [Event(true)], revisions),
    );
    t.equal(one.code, 0, 'an empty revision with --db');
    t.same(one.json.revision.parents, [revisions.main![0]!.id]);
  },
);
