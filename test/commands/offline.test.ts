import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator } from 'upshift';
import { eachDialect } from '../helpers/each-dialect.ts';
import type { TestDatabase } from '../helpers/databases.ts';
import { chain } from '../helpers/revisions.ts';
import { userTables, versionRows } from '../helpers/schema.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';
import { run, runJson } from './helpers.ts';

/** Applies a script with the database's own command-line client, as a DBA would. */
function applyWithClient(db: TestDatabase, sql: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'upshift-cmd-sql-'));
  try {
    const file = join(dir, 'script.sql');
    writeFileSync(file, sql);
    if (db.dialect === 'postgresql')
      execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, db.location], { stdio: 'pipe' });
    else execFileSync('sqlite3', ['-bail', db.location, `.read ${file}`], { stdio: 'pipe' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

eachDialect('upgrade/downgrade/stamp --sql and --dry-run, show with its SQL', async (t, db) => {
  const orm = await db.orm();
  const config = { orm, revisions: chain(3, { prefix: 'sq' }), logger: memoryLogger().logger };
  const tables = async () => (await userTables(db)).filter((name) => name.startsWith('t_sq'));

  const dry = await runJson<{ dryRun: boolean; revisions: { id: string; statements: string[] }[] }>(
    ['upgrade', '--dry-run'],
    config,
  );
  t.equal(dry.code, 0);
  t.same(
    dry.json.revisions.map((r) => r.id),
    ['sq0001', 'sq0002', 'sq0003'],
  );
  t.match(dry.json.revisions[0]?.statements, [/create table t_sq0001/]);
  let ran = await run(['upgrade', 'sq0002', '--dry-run'], config);
  t.match(
    ran.out,
    /^dry run \(upgrade\): rolled back, nothing changed\n-- sq0001 {2}create t_sq0001 \(\d+ ms\)\ncreate table t_sq0001 \(id integer primary key\);\n-- sq0002/,
  );
  t.same(await tables(), [], 'the dry runs left no table');
  const versionTable =
    db.dialect === 'postgresql'
      ? "select tablename from pg_tables where tablename like 'upshift_%'"
      : "select name from sqlite_master where name like 'upshift_%'";
  t.same(await db.query(versionTable), [], 'and no version table');

  ran = await run(['upgrade', '--sql'], config);
  t.equal(ran.code, 0);
  const script = await new Migrator(config).sql('upgrade', 'heads');
  t.equal(ran.out, script.trimEnd() + '\n', 'upgrade --sql prints migrator.sql()');
  t.same(
    (await runJson<{ sql: string }>(['upgrade', '--sql'], config)).json,
    { sql: script },
    '--json carries the script',
  );
  t.same(await tables(), [], '--sql ran nothing');
  ran = await run(['upgrade', 'base:sq0002', '--sql'], config);
  t.match(ran.out, /create table t_sq0002/);
  t.notMatch(ran.out, /t_sq0003/, '<from>:<to> renders only that range');

  applyWithClient(db, script);
  t.same(await tables(), ['t_sq0001', 't_sq0002', 't_sq0003'], "the database's own client applied the script");
  t.equal((await run(['status'], config)).code, 0, 'status: up to date after the script');
  t.same((await runJson(['current'], config)).json, { current: ['sq0003'] });
  t.same(await versionRows(db), ['sq0001', 'sq0002', 'sq0003'], 'with its version rows');

  ran = await run(['downgrade', 'sq0001', '--sql'], config);
  t.match(ran.out, /drop table t_sq0003[\s\S]*drop table t_sq0002/);
  const down = await runJson<{ revisions: { id: string }[] }>(['downgrade', '-1', '--dry-run'], config);
  t.same(
    down.json.revisions.map((r) => r.id),
    ['sq0003'],
  );
  t.same(await tables(), ['t_sq0001', 't_sq0002', 't_sq0003'], 'downgrade --sql and --dry-run changed nothing');

  ran = await run(['stamp', 'sq0001', '--sql'], config);
  t.equal(ran.code, 0);
  t.match(ran.out, /upshift_revisions/);
  ran = await run(['stamp', 'sq0001', '--sql', '--purge'], config);
  t.equal(ran.code, 1);
  t.match(ran.err, /^error UPSHIFT_COMMAND_USAGE: stamp --sql does not render --purge/);
  ran = await run(['upgrade', '--sql', '--dry-run'], config);
  t.match(ran.err, /--sql or --dry-run, not both/);

  ran = await run(['show', 'sq0002'], config);
  t.equal(ran.code, 0);
  t.match(
    ran.out,
    /^Revision: sq0002\nParents: {2}sq0001\n[\s\S]*Applied: {2}\d{4}-[\s\S]*create t_sq0002\n\n[\s\S]*create table t_sq0002 \(id integer primary key\)/,
    'show prints the header and the SQL',
  );
  t.notMatch(ran.out, /t_sq0001 \(id/, "only this revision's SQL");
});
