import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eachDialect } from '../helpers/each-dialect.ts';
import { userTables, versionRows } from '../helpers/schema.ts';
import { bundles } from '../../examples/server/revisions.ts';

const DB = fileURLToPath(new URL('../../examples/server/db.ts', import.meta.url));

/** Runs the example's script exactly as `npm run db -- <args>` does. */
function db(env: Record<string, string>, ...args: string[]) {
  const ran = spawnSync(process.execPath, ['--conditions=upshift-source', DB, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { code: ran.status, out: ran.stdout, err: ran.stderr };
}

eachDialect('npm run db -- history, upgrade --sql, status, upgrade on the example', async (t, database) => {
  const env: Record<string, string> =
    database.dialect === 'postgresql' ? { DATABASE_URL: database.location } : { SQLITE_PATH: database.location };
  const bundle = bundles[database.dialect];
  const ids = bundle.map((r) => r.id);

  let ran = db(env, 'status');
  t.equal(ran.code, 2, 'status exits 2 on a fresh database', { err: ran.err });
  t.match(ran.out, /^not up to date/);

  ran = db(env, 'history');
  t.equal(ran.code, 0, 'history', { err: ran.err });
  t.match(ran.out, /^revision\s+parents\s+message\s+date\s+applied\n/);
  for (const id of ids) t.match(ran.out, new RegExp(`^${id}\\b.*\\bno$`, 'm'), `history lists ${id} as not applied`);

  ran = db(env, 'upgrade', '--sql');
  t.equal(ran.code, 0, 'upgrade --sql', { err: ran.err });
  t.match(ran.out, /create table/i);
  t.match(ran.out, /upshift_revisions/, 'the script records the version rows too');
  t.same(await userTables(database), [], '--sql changed nothing');

  const json = db(env, 'status', '--json');
  t.same((JSON.parse(json.out) as { pending: string[] }).pending, ids, 'status --json');

  ran = db(env, 'upgrade');
  t.equal(ran.code, 0, 'upgrade', { err: ran.err });
  t.same(await versionRows(database), [...ids].sort());
  ran = db(env, 'status');
  t.equal(ran.code, 0, 'status exits 0 when up to date');
  ran = db(env, 'nonsense');
  t.equal(ran.code, 1);
  t.match(ran.err, /^error UPSHIFT_COMMAND_USAGE: Unknown command "nonsense"/);
  t.notMatch(ran.err, /\n\s+at /, 'no stack');
});
