// The package as it would be published: `npm run build` compiles lib/ to JavaScript with type
// declarations, and plain Node (no source condition, no type stripping) can use both entries.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = fileURLToPath(new URL('..', import.meta.url));
// Inside node_modules, so the compiled files resolve their dependencies as an installed package would.
const out = fileURLToPath(new URL(`../node_modules/.cache/upshift-build-${process.pid}/`, import.meta.url));

t.test('npm run build emits working ESM with declarations for upshift and upshift/dev', async (t) => {
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  execFileSync('npm', ['run', '--silent', 'build', '--', '--outDir', out], { cwd: root, stdio: 'pipe' });
  for (const file of ['index.js', 'index.d.ts', 'dev/index.js', 'dev/index.d.ts', 'dialect/postgresql.js']) {
    t.ok(existsSync(`${out}${file}`), `${file} is emitted`);
  }
  const probe = `
    const runtime = await import(${JSON.stringify(`${out}index.js`)});
    const dev = await import(${JSON.stringify(`${out}dev/index.js`)});
    console.log(JSON.stringify({ runtime: Object.keys(runtime).sort(), dev: Object.keys(dev).sort() }));`;
  const printed = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: root, encoding: 'utf8' });
  const { runtime, dev } = JSON.parse(printed) as { runtime: string[]; dev: string[] };
  for (const name of ['Migrator', 'defineRevision', 'UpshiftError', 'LockTimeoutError']) t.ok(runtime.includes(name), `upshift exports ${name}`);
  for (const name of ['init', 'revision', 'merge', 'check', 'SchemaDriftError']) t.ok(dev.includes(name), `upshift/dev exports ${name}`);
  t.notOk(runtime.includes('revision'), 'the runtime entry does not export dev functions');
});
