import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INDEX_FILE, resolveDir } from './bundle.ts';
import { DirectoryNotEmptyError, InvalidDevOptionError } from './errors.ts';
import { TEMPLATE_DIR, TEMPLATE_FILE } from './render.ts';

export interface InitResult {
  dir: string;
  /** Paths of the files written. */
  files: string[];
}

const FILES = [INDEX_FILE, TEMPLATE_FILE, 'README.md'];

/**
 * Makes the revisions folder: copies revisions-template/ (index.ts, the revision template and a
 * README) into `dir`. Refuses a folder that already holds anything, so it never overwrites.
 */
export async function init(options: { dir: string }): Promise<InitResult> {
  const operation = 'init()';
  if (!options || typeof options !== 'object') throw new InvalidDevOptionError(operation, 'options', 'must be an object: { dir }.');
  const dir = resolveDir(operation, options.dir);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new InvalidDevOptionError(operation, 'dir', `${dir} exists and is not a folder.`);
    const entries = readdirSync(dir);
    if (entries.length > 0) throw new DirectoryNotEmptyError(dir, entries);
  }
  mkdirSync(dir, { recursive: true });
  const source = fileURLToPath(TEMPLATE_DIR);
  const files = FILES.map((name) => {
    const target = join(dir, name);
    copyFileSync(join(source, name), target);
    return target;
  });
  return { dir, files };
}
