import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checksumOf } from '../checksum.ts';
import { validateRevision, type Revision } from '../revision.ts';
import { RevisionGraph } from '../revision-graph.ts';
import { resolveEntries } from './entries.ts';
import { BundleIndexError, DirectoryNotEmptyError, InvalidDevOptionError } from './errors.ts';
import { jsString, TEMPLATE_DIR, TEMPLATE_FILE } from './render.ts';

export const INDEX_FILE = 'index.ts';
const LIST_MARKER = '// upshift:revisions';

/** The revisions folder as init() made it: its index.ts and what that bundles. */
export interface Bundle {
  dir: string;
  indexPath: string;
  revisions: Revision[];
  graph: RevisionGraph;
}

export function resolveDir(operation: string, dir: unknown): string {
  if (typeof dir !== 'string' || dir.trim() === '') {
    throw new InvalidDevOptionError(
      operation,
      'dir',
      'must be the path of the revisions folder (for example "src/revisions").',
    );
  }
  return resolve(dir);
}

let loads = 0;

/**
 * Imports dir/index.ts the way the app does and validates what it exports. Every call imports a
 * fresh copy of index.ts (a query string defeats the module cache), so a revision added a
 * moment ago by this same process is seen.
 */
export async function loadBundle(operation: string, dir: string): Promise<Bundle> {
  const indexPath = join(dir, INDEX_FILE);
  const source = readIndex(indexPath);
  markerLines(indexPath, source);
  let module: Record<string, unknown>;
  try {
    module = (await import(`${pathToFileURL(indexPath).href}?upshift-dev=${++loads}`)) as Record<string, unknown>;
  } catch (error) {
    throw new BundleIndexError(
      indexPath,
      `cannot be imported: ${(error as Error)?.message ?? String(error)}. Fix the file it names, then run ${operation} again.`,
      error,
    );
  }
  const list = module.revisions;
  if (!Array.isArray(list)) {
    throw new BundleIndexError(
      indexPath,
      'does not export `revisions` as an array. Keep the `export const revisions = [...]` that init() wrote.',
    );
  }
  const revisions = await resolveEntries(operation, list, `${indexPath}: revisions`);
  return { dir, indexPath, revisions, graph: new RevisionGraph(revisions) };
}

function readIndex(indexPath: string): string {
  if (!existsSync(indexPath)) {
    throw new BundleIndexError(
      indexPath,
      `does not exist. Create the revisions folder with init({ dir: ${JSON.stringify(resolve(indexPath, '..'))} }) first.`,
    );
  }
  return readFileSync(indexPath, 'utf8');
}

function markerLines(indexPath: string, source: string): void {
  if (source.split('\n').filter((line) => line.trim() === LIST_MARKER).length !== 1) {
    throw new BundleIndexError(
      indexPath,
      `must contain the line "${LIST_MARKER}" exactly once; upshift adds revisions above it. Restore it from revisions-template/index.ts.`,
    );
  }
}

/**
 * Adds a revision file to index.ts as a declared entry (LazyRevision) above the list marker, so
 * the newest is last: the app's boot then imports the module only when it has to run it. The
 * entry's checksum is the module's own, computed from the module as the app will import it.
 * The file is rewritten whole, in one write.
 */
export async function appendToIndex(indexPath: string, file: string): Promise<void> {
  const source = readIndex(indexPath);
  markerLines(indexPath, source);
  let revision: Revision;
  try {
    revision = validateRevision(((await import(pathToFileURL(file).href)) as { default?: unknown }).default, file);
  } catch (error) {
    // The file was written a moment ago from the template: take it back, so that nothing is
    // left half-added (a file the index does not list).
    rmSync(file, { force: true });
    throw new BundleIndexError(
      file,
      `was written from revision.ts.template but cannot be imported (${(error as Error)?.message ?? String(error)}), so it was removed again. Fix the template and run again.`,
      error,
    );
  }
  const entry = declaredEntry(revision, `./${basename(file)}`);
  const out: string[] = [];
  for (const line of source.split('\n')) {
    if (line.trim() === LIST_MARKER) out.push(`${line.slice(0, line.indexOf(LIST_MARKER))}${entry}`);
    out.push(line);
  }
  writeFileSync(indexPath, out.join('\n'));
}

/** One line of index.ts: what the boot path needs to know of a revision without importing it. */
export function declaredEntry(revision: Revision, specifier: string): string {
  const fields = [
    `id: ${jsString(revision.id)}`,
    `parents: [${revision.parents.map(jsString).join(', ')}]`,
    `createdAt: ${jsString(revision.createdAt)}`,
    ...(revision.transaction ? [] : ['transaction: false']),
    ...(revision.replaces ? [`replaces: [${revision.replaces.map(jsString).join(', ')}]`] : []),
    `checksum: ${jsString(checksumOf(revision))}`,
    `load: () => import(${jsString(specifier)})`,
  ];
  return `{ ${fields.join(', ')} },`;
}

export interface InitResult {
  dir: string;
  /** Paths of the files written. */
  files: string[];
}

const TEMPLATE_FILES = [INDEX_FILE, TEMPLATE_FILE, 'README.md'];

/**
 * Makes the revisions folder: copies revisions-template/ (index.ts, the revision template and a
 * README) into `dir`, with a .gitattributes that merges index.ts as a union. Refuses a folder that already holds anything, so it never overwrites.
 */
export async function init(options: { dir: string }): Promise<InitResult> {
  const operation = 'init()';
  if (!options || typeof options !== 'object')
    throw new InvalidDevOptionError(operation, 'options', 'must be an object: { dir }.');
  const dir = resolveDir(operation, options.dir);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory())
      throw new InvalidDevOptionError(operation, 'dir', `${dir} exists and is not a folder.`);
    const entries = readdirSync(dir);
    if (entries.length > 0) throw new DirectoryNotEmptyError(dir, entries);
  }
  mkdirSync(dir, { recursive: true });
  const source = fileURLToPath(TEMPLATE_DIR);
  const files = TEMPLATE_FILES.map((name) => {
    const target = join(dir, name);
    copyFileSync(join(source, name), target);
    return target;
  });
  // index.ts has one line per entry, so git can merge two branches' additions as a union:
  // two developers who each add a revision merge without a conflict (then merge() joins the heads).
  const attributes = join(dir, '.gitattributes');
  writeFileSync(attributes, `${INDEX_FILE} merge=union\n`);
  files.push(attributes);
  return { dir, files };
}
