/**
 * Builds the package into bench/.generated/dist with `npm run build`'s own script (.ci/build.mjs),
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
  execFileSync(process.execPath, [join(root, '.ci/build.mjs'), dist], { stdio: 'inherit' });
  const entry = join(dist, 'index.js');
  if (!existsSync(entry)) throw new Error(`the build did not write ${entry}`);
  built = entry;
  return entry;
}
