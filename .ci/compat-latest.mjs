// `npm run compat:latest` (and .ci/run, after the tests): the packed upshift against the newest
// MikroORM 7 the registry has, on PostgreSQL and SQLite. The tests pin MikroORM 7.2.1; this run
// shows that what an app gets from `npm install` today works too.
//
// For each driver, in a temporary app folder: its newest 7.x release, with the @mikro-orm/core it
// asks for (MikroORM's packages pin each other exactly, so the newest of every package may not
// install together: that is checked first and said), then the upshift tarball added as an app
// adds it, then test/package/smoke.mjs on a real database. When a driver's newest release does
// not resolve, the next older one is tried, and the output says which was used and why.
// Ends with "compat: N passed, M failed" (one per driver); exits non-zero on any failure.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(import.meta.dirname, '..');
const PG_SERVER = process.env.UPSHIFT_TEST_PG ?? 'postgresql://postgres@127.0.0.1:5432/test';
const DRIVERS = ['postgresql', 'sqlite'];
const STEP_TIMEOUT_MS = 120_000;
// npm and the smoke suite run on this Node (the repo's Node 24), not whatever `node` PATH has first.
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };
delete env.NODE_OPTIONS;

const work = mkdtempSync(join(tmpdir(), 'upshift-compat-'));
const results = [];
try {
  const tarball = packUpshift();
  const versions = Object.fromEntries(['core', 'sql', ...DRIVERS].map((name) => [name, stable7(name)]));
  say(
    `newest on the registry: ${Object.entries(versions)
      .map(([name, list]) => `@mikro-orm/${name} ${list[0]}`)
      .join(', ')}`,
  );
  checkAllNewestTogether(versions);
  for (const driver of DRIVERS) results.push(runDriver(driver, versions, tarball));
} catch (error) {
  results.push({ driver: 'setup', ok: false });
  say(`FAILED before the smoke runs: ${error.message}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
const passed = results.filter((result) => result.ok).length;
const failed = results.length - passed;
say(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;

function say(line) {
  process.stdout.write(`compat: ${line}\n`);
}

function packUpshift() {
  execFileSync(process.execPath, [join(root, '.ci/package.mjs'), join(work, 'stage'), '--pack', work], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: STEP_TIMEOUT_MS,
  });
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return join(work, `upshift-${version}.tgz`);
}

function npm(args, cwd = work) {
  // --loglevel: npm's reasons are read from stderr, even under `npm run --silent`, which children inherit.
  const run = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: STEP_TIMEOUT_MS,
  });
  return {
    ok: run.status === 0,
    stdout: run.stdout ?? '',
    stderr: `${run.stderr ?? ''}${run.error ? String(run.error) : ''}`,
  };
}

function npmJson(args) {
  const run = npm([...args, '--json']);
  if (!run.ok) throw new Error(`npm ${args.join(' ')} failed: ${firstLines(run.stderr)}`);
  return run.stdout.trim() ? JSON.parse(run.stdout) : undefined;
}

/** The stable 7.x releases of @mikro-orm/<name>, newest first. */
function stable7(name) {
  const list = [npmJson(['view', `@mikro-orm/${name}`, 'versions'])].flat().filter((v) => /^7\.\d+\.\d+$/.test(v));
  if (list.length === 0) throw new Error(`the registry has no stable 7.x of @mikro-orm/${name}`);
  return list.sort(compareVersions).reverse();
}

function compareVersions(a, b) {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** A fresh app folder with its own package.json; `npm install` of the given specs in it. */
function install(name, specs) {
  const app = join(work, name);
  rmSync(app, { recursive: true, force: true });
  mkdirSync(app, { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: `compat-${name}`, private: true, type: 'module' })}\n`,
  );
  return { app, ...npm(['install', '--prefer-offline', ...specs], app) };
}

function checkAllNewestTogether(versions) {
  const specs = ['core', 'sql', ...DRIVERS].map((name) => `@mikro-orm/${name}@${versions[name][0]}`);
  const together = install('together', specs);
  if (together.ok) say(`the newest of every package installs together (${specs.join(' ')})`);
  else
    say(
      `the newest of every package does not install together (${specs.join(' ')}): ${eresolveReason(together.stderr)}; each driver runs with the core it asks for`,
    );
}

/** npm's own words for a resolution failure, on one line. */
function eresolveReason(stderr) {
  const lines = stderr.split('\n').map((line) => line.replace(/^npm (error|ERR!) ?/, '').trim());
  // "Conflicting peer dependency" names the package that cannot be placed, when npm says it.
  const conflict = lines.findIndex((line) => line.startsWith('Conflicting peer dependency'));
  const at = conflict >= 0 ? conflict : lines.findIndex((line) => line.startsWith('Could not resolve dependency'));
  return at >= 0
    ? lines
        .slice(at, at + 3)
        .filter(Boolean)
        .join(' ')
    : firstLines(stderr);
}

function firstLines(text) {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .slice(0, 3)
    .join(' / ');
}

/** Newest driver release that installs with its core, then upshift into it, then the smoke suite. */
function runDriver(driver, versions, tarball) {
  for (const release of versions[driver]) {
    const manifest = npmJson(['view', `@mikro-orm/${driver}@${release}`, 'peerDependencies', 'dependencies']) ?? {};
    const coreSpec = manifest.peerDependencies?.['@mikro-orm/core'];
    if (!coreSpec) throw new Error(`@mikro-orm/${driver}@${release} declares no peer @mikro-orm/core`);
    const core = [npmJson(['view', `@mikro-orm/core@${coreSpec}`, 'version'])]
      .flat()
      .filter(Boolean)
      .sort(compareVersions)
      .at(-1);
    const set = `@mikro-orm/core ${core}, @mikro-orm/${driver} ${release} (with @mikro-orm/sql ${manifest.dependencies?.['@mikro-orm/sql'] ?? '?'})`;
    const mikro = install(driver, [`@mikro-orm/core@${core}`, `@mikro-orm/${driver}@${release}`]);
    if (!mikro.ok) {
      say(`${driver}: ${set} does not install: ${eresolveReason(mikro.stderr)}; trying the release before`);
      continue;
    }
    if (release !== versions[driver][0] || core !== versions.core[0]) {
      say(
        `${driver}: runs on ${set}, not the newest of every package: @mikro-orm/${driver} ${release} asks for @mikro-orm/core ${coreSpec}`,
      );
    }
    const added = npm(['install', '--prefer-offline', tarball], mikro.app);
    if (!added.ok) {
      say(`${driver}: FAILED: the upshift tarball does not install beside ${set}: ${eresolveReason(added.stderr)}`);
      return { driver, ok: false };
    }
    copyFileSync(join(root, 'test/package/smoke.mjs'), join(mikro.app, 'smoke.mjs'));
    const target = driver === 'sqlite' ? join(mikro.app, 'smoke.db') : PG_SERVER;
    const smoke = spawnSync(process.execPath, ['smoke.mjs', driver, target], {
      cwd: mikro.app,
      env,
      encoding: 'utf8',
      timeout: STEP_TIMEOUT_MS,
    });
    const lines = (smoke.stdout ?? '').split('\n').filter((line) => /^(ok|not ok|smoke:) /.test(line));
    for (const line of lines) process.stdout.write(`  ${line}\n`);
    if (smoke.status !== 0) {
      process.stdout.write(`${smoke.stderr ?? ''}${smoke.error ? `${smoke.error}\n` : ''}`);
      say(`${driver}: FAILED on ${set} (exit ${smoke.status ?? smoke.signal})`);
      return { driver, ok: false };
    }
    say(`${driver}: passed on ${set}`);
    return { driver, ok: true };
  }
  say(`${driver}: FAILED: no 7.x release of @mikro-orm/${driver} installs with its @mikro-orm/core`);
  return { driver, ok: false };
}
