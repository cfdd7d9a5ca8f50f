// Runs before `npm test` and `npm run example`, on whatever `node` the machine has (even 20):
// makes sure dependencies are installed and that npm scripts will run on Node >= 22.17 (the
// `node` devDependency provides Node 24). An incremental `npm install` has been seen to drop
// that package's inner binary; reinstalling from the lockfile puts it back.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
    process.stderr.write('upshift: node_modules/.bin/node is still not Node >= 22.17 after `npm ci`; install Node 22.17+ and retry.\n');
    process.exit(1);
  }
}
