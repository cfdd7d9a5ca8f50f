// The package as it would be published: `npm run build` bundles lib/ to JavaScript with type
// declarations, and plain Node (no source condition, no type stripping) can use both entries.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = fileURLToPath(new URL('..', import.meta.url));
// A package folder inside node_modules, laid out as published (dist/ beside revisions-template/),
// so the built files resolve their dependencies, and their own files, as an installed package would.
const pkg = fileURLToPath(new URL(`../node_modules/.cache/upshift-package-${process.pid}/`, import.meta.url));
const out = `${pkg}dist/`;

t.test('npm run build emits working ESM with declarations for upshift and upshift/dev', async (t) => {
  t.teardown(() => rmSync(pkg, { recursive: true, force: true }));
  execFileSync('npm', ['run', '--silent', 'build', '--', out], { cwd: root, stdio: 'pipe' });
  cpSync(join(root, 'revisions-template'), `${pkg}revisions-template`, { recursive: true });
  for (const file of ['index.js', 'index.d.ts', 'dev/index.js', 'dev/index.d.ts', 'dialect/postgresql.d.ts']) {
    t.ok(existsSync(`${out}${file}`), `${file} is emitted`);
  }
  const modules = ['', 'dev/', 'chunks/'].flatMap((dir) => (existsSync(`${out}${dir}`) ? readdirSync(`${out}${dir}`).filter((f) => f.endsWith('.js')) : []));
  t.ok(modules.length <= 4, `bundled: a few modules, not one per source file (${modules.join(', ')})`);

  const templateTarget = mkdtempSync(join(tmpdir(), 'upshift-built-init-'));
  t.teardown(() => rmSync(templateTarget, { recursive: true, force: true }));
  const probe = `
    const runtime = await import(${JSON.stringify(`${out}index.js`)});
    const dev = await import(${JSON.stringify(`${out}dev/index.js`)});
    await dev.init({ dir: ${JSON.stringify(join(templateTarget, 'revisions'))} });
    console.log(JSON.stringify({
      runtime: Object.keys(runtime).sort(),
      dev: Object.keys(dev).sort(),
      oneErrorClass: new dev.SchemaDriftError(['x']) instanceof runtime.UpshiftError,
      renamed: [...Object.entries(runtime), ...Object.entries(dev)].filter(([name, value]) => typeof value === 'function' && value.name !== name).map(([name]) => name),
      errorName: new runtime.LockLostError('gone').name,
    }));`;
  const printed = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: root, encoding: 'utf8' });
  const { runtime, dev, oneErrorClass, renamed, errorName } = JSON.parse(printed) as { runtime: string[]; dev: string[]; oneErrorClass: boolean; renamed: string[]; errorName: string };
  for (const name of ['Migrator', 'defineRevision', 'UpshiftError', 'LockTimeoutError']) t.ok(runtime.includes(name), `upshift exports ${name}`);
  for (const name of ['init', 'revision', 'merge', 'check', 'SchemaDriftError']) t.ok(dev.includes(name), `upshift/dev exports ${name}`);
  t.notOk(runtime.includes('revision'), 'the runtime entry does not export dev functions');
  t.ok(oneErrorClass, "an error thrown by upshift/dev is an instance of upshift's UpshiftError (one shared class, not a copy per entry)");
  t.same(renamed, [], 'every exported class and function keeps its own name in the bundle (an error is named after its class)');
  t.equal(errorName, 'LockLostError');
  t.same(readdirSync(join(templateTarget, 'revisions')).sort(), readdirSync(join(root, 'revisions-template')).sort(), 'init() from the build finds the revisions template');
});
