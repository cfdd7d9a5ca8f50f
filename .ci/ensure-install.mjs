// Runs before `npm test` and `npm run example`, on whatever `node` the machine has (even 20):
// makes sure dependencies are installed and that npm scripts will run on Node >= 22.17 (the
// `node` devDependency provides Node 24). An incremental `npm install` has been seen to drop
// that package's inner binary; reinstalling from the lockfile puts it back.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const bundledNode = join(root, 'node_modules', '.bin', 'node');

function nodeVersion(bin) {
  const out = spawnSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

function recent(version) {
  const [major, minor] = (version ?? '0.0').split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 17);
}

const ok = existsSync(join(root, 'node_modules', '@mikro-orm', 'core')) && recent(nodeVersion(bundledNode));
if (!ok) {
  process.stderr.write('upshift: dependencies or the bundled Node 24 are missing; running `npm ci`\n');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (!recent(nodeVersion(bundledNode))) {
    process.stderr.write(
      'upshift: node_modules/.bin/node is still not Node >= 22.17 after `npm ci`; install Node 22.17+ and retry.\n',
    );
    process.exit(1);
  }
}

// tap ships a runner built with its default plugins, @tapjs/typescript (ts-node) among them, and
// rebuilds it for this project's plugin list only during the first `tap` run, which still loads
// .ts files through ts-node. The suite must run on Node's own type stripping every time, so the
// runner is rebuilt here when it still holds a plugin that package.json removes.
const tapConfig = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).tap ?? {};
const removed = (tapConfig.plugin ?? []).filter((p) => p.startsWith('!')).map((p) => p.slice(1));
const built = join(root, 'node_modules', '@tapjs', 'test', 'test-built', 'src', 'index.ts');
if (existsSync(built) && removed.some((p) => readFileSync(built, 'utf8').includes(`"${p}"`))) {
  process.stderr.write(`upshift: rebuilding tap's runner without ${removed.join(', ')}\n`);
  execFileSync(bundledNode, [realpathSync(join(root, 'node_modules', '.bin', 'tap')), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
}
