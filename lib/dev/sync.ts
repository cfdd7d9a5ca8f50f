import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { validateRevision } from '../revision.ts';
import { declaredEntry, INDEX_FILE, resolveDir } from './bundle.ts';
import { BundleIndexError, InvalidDevOptionError } from './errors.ts';

export interface SyncResult {
  /** The index rewritten (or found already in step). */
  indexPath: string;
  /** Ids whose entry was rewritten from its module (an edit after revision() wrote it). */
  updated: string[];
}

/** A declared entry's line: one per revision, with the module it imports. */
const ENTRY = /^(\s*)\{.*load: \(\) => import\((['"])((?:\\.|(?!\2).)*)\2\)\s*\},\s*$/;

let imports = 0;

/**
 * Rewrites each declared entry of index.ts from its module as it is now (id, parents, createdAt,
 * checksum), so that editing a revision that no shared database ran yet needs no hand-pasted
 * checksum. Entries stay one line each and in place; the file is written only when something
 * changed, in one write. Run by revision() and merge() first; check() does not run it, so a
 * committed index out of step with its files still fails CI (StaleDeclarationError).
 */
export async function sync(options: { dir: string }): Promise<SyncResult> {
  const operation = 'sync()';
  if (!options || typeof options !== 'object')
    throw new InvalidDevOptionError(operation, 'options', 'must be an object: { dir }.');
  const dir = resolveDir(operation, options.dir);
  const indexPath = join(dir, INDEX_FILE);
  let source: string;
  try {
    source = readFileSync(indexPath, 'utf8');
  } catch (error) {
    throw new BundleIndexError(
      indexPath,
      `cannot be read (${(error as Error).message}). Create the revisions folder with init() first.`,
      error,
    );
  }
  const updated: string[] = [];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = ENTRY.exec(lines[i] as string);
    if (!match) continue;
    const [, indent, , specifier] = match as unknown as [string, string, string, string];
    const file = resolve(dir, specifier);
    let revisionModule: { default?: unknown };
    try {
      // A query string defeats the module cache: the module as it is on disk now.
      revisionModule = (await import(`${pathToFileURL(file).href}?upshift-sync=${++imports}`)) as { default?: unknown };
    } catch (error) {
      throw new BundleIndexError(
        file,
        `cannot be imported (${(error as Error)?.message ?? String(error)}); fix it, then run sync again.`,
        error,
      );
    }
    const revision = validateRevision(revisionModule.default, file);
    const line = `${indent}${declaredEntry(revision, specifier)}`;
    if (line !== lines[i]) {
      lines[i] = line;
      updated.push(revision.id);
    }
  }
  if (updated.length > 0) writeFileSync(indexPath, lines.join('\n'));
  return { indexPath, updated };
}
