// The package as published: .ci/package.mjs (`npm run package`) stages and packs it; a fresh app
// folder outside the repository installs the tarball beside the MikroORM the tests pin, and plain
// Node 24 (no `upshift-source` condition; Node never strips types under node_modules) runs both
// entries from it. Nothing resolves from this repository, so a file missing from the tarball fails.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { consumerCompiles } from './package/consumer-compile.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const repo = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  peerDependencies: Record<string, string>;
};
// The children run on this Node, without the flags tap gives the test process.
const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}` };
delete env.NODE_OPTIONS;

const work = mkdtempSync(join(tmpdir(), 'upshift-package-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));
execFileSync(process.execPath, [join(root, '.ci/package.mjs'), join(work, 'stage'), '--pack', work], {
  env,
  stdio: 'pipe',
});
const tarball = join(work, `upshift-${repo.version}.tgz`);
const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
  .split('\n')
  .filter(Boolean)
  .map((f) => f.replace(/^package\//, ''));
const published = JSON.parse(
  execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
) as Record<string, unknown>;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

t.test('the tarball holds the built package, and a package.json that describes only it', async (t) => {
  const stray = files.filter(
    (f) => !/^(package\.json|README\.md|CHANGELOG\.md|dist\/.+\.(js|js\.map|d\.ts)|revisions-template\/[^/]+)$/.test(f),
  );
  t.same(stray, [], 'nothing but dist/, the revisions template, README, CHANGELOG and package.json');
  t.same(
    files.filter((f) => f.startsWith('revisions-template/')).sort(),
    readdirSync(join(root, 'revisions-template'))
      .map((f) => `revisions-template/${f}`)
      .sort(),
    'the whole revisions template',
  );
  const modules = files.filter((f) => f.endsWith('.js'));
  t.ok(
    modules.length >= 3 && modules.length <= 4,
    `bundled: a few modules, not one per source file (${modules.join(', ')})`,
  );
  t.same(
    modules.filter((f) => !files.includes(`${f}.map`)),
    [],
    'every module has its source map',
  );
  const declarations = walk(join(root, 'lib'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `dist/${relative(join(root, 'lib'), f).replace(/\.ts$/, '.d.ts')}`);
  t.same(
    declarations.filter((f) => !files.includes(f)),
    [],
    'a declaration for every source module',
  );

  for (const field of ['scripts', 'devDependencies', 'allowScripts', 'tap'])
    t.notOk(field in published, `no "${field}"`);
  t.notMatch(
    JSON.stringify(published),
    /upshift-source|lib\//,
    'no export condition or path into lib/, which is not shipped',
  );
  const targets = (function targetsOf(value: unknown): string[] {
    return typeof value === 'string' ? [value] : Object.values((value ?? {}) as object).flatMap(targetsOf);
  })(published.exports);
  t.same(
    targets.filter((target) => !files.includes(target.replace(/^\.\//, ''))),
    [],
    `every export target is in the tarball (${targets.join(', ')})`,
  );
  t.same(published.peerDependencies, { '@mikro-orm/core': '^7.2.1' }, 'peer: any MikroORM 7 from 7.2.1 on');
  // Declared optional in peerDependenciesMeta only: npm 11 fails an install on an optional peer whose
  // newest release pins another @mikro-orm/core than the app's (npm/cli#8416), pnpm reads them as '*'.
  t.same(
    published.peerDependenciesMeta,
    {
      '@mikro-orm/mariadb': { optional: true },
      '@mikro-orm/mysql': { optional: true },
      '@mikro-orm/postgresql': { optional: true },
      '@mikro-orm/sql': { optional: true },
      '@mikro-orm/sqlite': { optional: true },
    },
    'sql and the drivers: optional peers of any version',
  );
  t.same(published.peerDependencies, repo.peerDependencies, 'the same peers as the repository declares');

  for (const module of modules) {
    const text = execFileSync('tar', ['-xzOf', tarball, `package/${module}`], { encoding: 'utf8' });
    const longest = Math.max(...text.split('\n').map((line) => line.length));
    t.ok(longest <= 1000, `${module} is readable, not minified (longest line: ${longest} characters)`);
  }
});

t.test('a fresh app installs the tarball with MikroORM 7.2.1 and runs it on SQLite with plain Node', async (t) => {
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }));
  // As an app adds it, in one command beside the driver (npm resolves the peers from the tarball's package.json).
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      tarball,
      '@mikro-orm/core@7.2.1',
      '@mikro-orm/sqlite@7.2.1',
    ],
    { cwd: app, env, stdio: 'pipe' },
  );
  const installed = (name: string) =>
    (JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  t.same(
    ['@mikro-orm/core', '@mikro-orm/sql', '@mikro-orm/sqlite'].map(installed),
    ['7.2.1', '7.2.1', '7.2.1'],
    'the app runs on the MikroORM the tests pin',
  );
  const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: app, env, encoding: 'utf8' });

  writeFileSync(
    join(app, 'probe.mjs'),
    `
    const runtime = await import('upshift');
    const dev = await import('upshift/dev');
    console.log(JSON.stringify({
      flags: process.execArgv,
      resolved: [import.meta.resolve('upshift'), import.meta.resolve('upshift/dev')],
      runtime: Object.keys(runtime).sort(),
      dev: Object.keys(dev).sort(),
      oneErrorClass: new dev.SchemaDriftError(['x']) instanceof runtime.UpshiftError,
      renamed: [...Object.entries(runtime), ...Object.entries(dev)].filter(([name, value]) => typeof value === 'function' && value.name !== name).map(([name]) => name),
      errorName: new runtime.LockLostError('gone').name,
    }));`,
  );
  const probe = node(['probe.mjs']);
  t.equal(probe.status, 0, 'both entries import', { stderr: probe.stderr });
  const seen = JSON.parse(probe.stdout) as {
    flags: string[];
    resolved: string[];
    runtime: string[];
    dev: string[];
    oneErrorClass: boolean;
    renamed: string[];
    errorName: string;
  };
  t.same(seen.flags, [], 'no --conditions, no loader');
  t.same(
    seen.resolved.map((url) => relative(app, fileURLToPath(url))),
    ['node_modules/upshift/dist/index.js', 'node_modules/upshift/dist/dev/index.js'],
    'both entries resolve to the installed build',
  );
  for (const name of ['Migrator', 'defineRevision', 'UpshiftError', 'LockTimeoutError'])
    t.ok(seen.runtime.includes(name), `upshift exports ${name}`);
  for (const name of ['init', 'revision', 'merge', 'check', 'SchemaDriftError'])
    t.ok(seen.dev.includes(name), `upshift/dev exports ${name}`);
  t.notOk(seen.runtime.includes('revision'), 'the runtime entry does not export dev functions');
  t.ok(
    seen.oneErrorClass,
    "an error from upshift/dev is an instance of upshift's UpshiftError (one shared class, not a copy per entry)",
  );
  t.same(
    seen.renamed,
    [],
    'every exported class and function keeps its own name in the bundle (an error is named after its class)',
  );
  t.equal(seen.errorName, 'LockLostError', 'an error instance is named after its class');

  // upshift/commands from the build: a development command imports upshift/dev (the package's own) when run.
  writeFileSync(
    join(app, 'commands.mjs'),
    `
    const { runCommand } = await import('upshift/commands');
    const code = await runCommand(['init', '--json'], { dir: 'commands-probe', out: process.stdout });
    console.log(JSON.stringify({ code, resolved: import.meta.resolve('upshift/commands') }));`,
  );
  const commands = node(['commands.mjs']);
  t.equal(commands.status, 0, 'upshift/commands imports and runs', { stderr: commands.stderr });
  const ranCommand = JSON.parse(commands.stdout.trimEnd().split('\n').at(-1) as string) as {
    code: number;
    resolved: string;
  };
  t.equal(ranCommand.code, 0, 'runCommand init exits 0 from the installed build');
  t.equal(relative(app, fileURLToPath(ranCommand.resolved)), 'node_modules/upshift/dist/commands/index.js');
  t.ok(existsSync(join(app, 'commands-probe', '.gitattributes')), 'init ran through the commands entry');

  // init() from the shipped template, revision() twice, check(), upgrade, a no-op upgrade, downgrade.
  copyFileSync(join(root, 'test/package/smoke.mjs'), join(app, 'smoke.mjs'));
  const smoke = node(['smoke.mjs', 'sqlite', join(app, 'smoke.db')]);
  t.equal(smoke.status, 0, 'the smoke suite exits 0', { stdout: smoke.stdout, stderr: smoke.stderr });
  t.match(smoke.stdout, /^smoke: sqlite: \d+ checks passed$/m, 'the smoke suite passes on the installed package');
  t.notMatch(smoke.stdout, /^not ok/m, 'no smoke check failed');

  // An uncaught error prints the line it was thrown from: one short line of readable code.
  writeFileSync(
    join(app, 'uncaught.mjs'),
    `
    import { MikroORM } from '@mikro-orm/sqlite';
    import { Migrator, defineRevision } from 'upshift';
    const orm = await MikroORM.init({ dbName: ${JSON.stringify(join(app, 'uncaught.db'))}, entities: [], discovery: { warnWhenNoEntities: false } });
    const revisions = [defineRevision({ id: 'a1b2c3d4e5f6', parents: [], message: 'one', createdAt: '2026-01-01T00:00:00.000Z', transaction: true, async up({ sql }) { await sql('create table t (id integer)'); } })];
    await new Migrator({ orm, revisions }).upgrade('nope');`,
  );
  const uncaught = node(['uncaught.mjs']);
  t.equal(uncaught.status, 1, 'an uncaught UnknownTargetError ends the process', { stderr: uncaught.stderr });
  t.match(uncaught.stderr, /UnknownTargetError: Cannot resolve target "nope"/, 'stderr names the error and the target');
  t.match(uncaught.stderr, /code: 'UPSHIFT_UNKNOWN_TARGET'/, 'and its code');
  t.ok(Buffer.byteLength(uncaught.stderr) < 2048, `stderr is short: ${Buffer.byteLength(uncaught.stderr)} bytes`);
  const mapped = node(['--enable-source-maps', 'uncaught.mjs']);
  t.match(
    mapped.stderr,
    /node_modules\/upshift\/lib\/revision-graph\.ts:\d+/,
    'with --enable-source-maps the stack points at the TypeScript source, from the shipped maps',
  );
  t.match(mapped.stderr, /throw new UnknownTargetError/, "and shows its line, from the maps' sourcesContent");

  // The declarations, through the package's `types` conditions, as the app's TypeScript sees them.
  writeFileSync(
    join(app, 'typed.ts'),
    `
    import { Migrator, UpshiftError, defineRevision, type RevisionEntry, type UpgradeResult, type MigratorOptions } from 'upshift';
    import { check, type CheckResult } from 'upshift/dev';
    const revisions: readonly RevisionEntry[] = [defineRevision({ id: 'a1b2c3d4e5f6', parents: [], message: 'm', createdAt: '2026-01-01T00:00:00.000Z', transaction: true, async up({ sql }) { await sql('select 1'); } })];
    export const boot = (orm: MigratorOptions['orm']): Promise<UpgradeResult> => new Migrator({ orm, revisions }).upgrade();
    export const test = (orm: MigratorOptions['orm']): Promise<CheckResult> => check({ orm, revisions });
    export const coded = (error: unknown): string | undefined => (error instanceof UpshiftError ? error.code : undefined);
    // @ts-expect-error: transaction is 'each' | 'all' (fails if the declarations were missing and this were any)
    export const wrong = (orm: MigratorOptions['orm']) => new Migrator({ orm, revisions, transaction: 'sometimes' });
  `,
  );
  const tsc = node([
    join(root, 'node_modules/typescript/bin/tsc'),
    '--noEmit',
    '--strict',
    '--skipLibCheck',
    '--module',
    'nodenext',
    '--target',
    'es2023',
    'typed.ts',
  ]);
  t.equal(tsc.status, 0, 'tsc typechecks an app file that imports both entries', {
    output: `${tsc.stdout}${tsc.stderr}`,
  });
});

// In the same app (the tarball is packed and installed once): issue 24's acceptance.
t.test('the generated files and the README snippets compile in the fresh app (strict, unused checks)', (t) =>
  consumerCompiles(t, { app: join(work, 'app'), root, env }),
);
