import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The upshift checkout, which a workspace links as its node_modules/upshift. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A throw-away app folder: package.json ("type": "module") and node_modules/upshift linked to
 * this checkout, so generated revision files can `import { defineRevision } from 'upshift'` and
 * be imported for real (run with --conditions=upshift-source, as the tests are).
 */
export function workspace(): { root: string; dir: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'upshift-dev-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
  mkdirSync(join(root, 'node_modules'));
  symlinkSync(ROOT, join(root, 'node_modules', 'upshift'), 'dir');
  return { root, dir: join(root, 'revisions'), remove: () => rmSync(root, { recursive: true, force: true }) };
}
