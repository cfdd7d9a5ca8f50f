/**
 * Compiles lib/index.ts to JavaScript in bench/.generated/dist, the way `npm run build` does,
 * so scenarios can measure what an npm user loads rather than the TypeScript sources.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED } from './bundle.ts';
import { BENCH_DIR } from './child.ts';

let built: string | undefined;

/** Returns the path of the compiled entry (dist/index.js); compiles once per bench run. */
export function compiledUpshift(): string {
  if (built) return built;
  const dist = join(GENERATED, 'dist');
  rmSync(dist, { recursive: true, force: true });
  const root = join(BENCH_DIR, '..');
  execFileSync(process.execPath, [
    join(root, 'node_modules/typescript/bin/tsc'),
    ...['--target', 'es2023', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--skipLibCheck'],
    ...['--verbatimModuleSyntax', '--allowImportingTsExtensions', '--rewriteRelativeImportExtensions', '--customConditions', 'upshift-source'],
    ...['--outDir', dist, '--rootDir', join(root, 'lib'), join(root, 'lib/index.ts')],
  ], { stdio: 'inherit' });
  const entry = join(dist, 'index.js');
  if (!existsSync(entry)) throw new Error(`tsc did not write ${entry}`);
  built = entry;
  return entry;
}
