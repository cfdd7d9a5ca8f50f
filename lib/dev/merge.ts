import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppLogger } from '../app-logger.ts';
import { appendToIndex, loadBundle, resolveDir } from './bundle.ts';
import { sync } from './sync.ts';
import { InvalidDevOptionError, NothingToMergeError } from './errors.ts';
import { loggerOf, readTemplate, requireMessage, requireNewId } from './revision.ts';
import { newRevisionId, renderRevision, slugOf } from './render.ts';

export interface MergeOptions {
  dir: string;
  message: string;
  /** Which heads to join (ids or unique prefixes); default: all of them. */
  heads?: readonly string[];
  id?: string;
  logger?: AppLogger;
}

export interface MergedRevision {
  id: string;
  parents: string[];
  path: string;
}

/** Writes a revision whose parents are the heads: it runs nothing, it joins the branches. */
export async function merge(options: MergeOptions): Promise<MergedRevision> {
  const operation = 'merge()';
  if (!options || typeof options !== 'object')
    throw new InvalidDevOptionError(operation, 'options', 'must be an object: { dir, message }.');
  const message = requireMessage(operation, options.message);
  const dir = resolveDir(operation, options.dir);
  const logger = loggerOf(options.logger);
  await sync({ dir });
  const bundle = await loadBundle(operation, dir);
  const heads = bundle.graph.heads();
  let parents = heads;
  if (options.heads !== undefined) {
    if (!Array.isArray(options.heads))
      throw new InvalidDevOptionError(operation, 'heads', 'must be an array of head ids (or unique prefixes).');
    parents = options.heads.map((h) => {
      const id = typeof h === 'string' ? bundle.graph.resolveId(h) : String(h);
      if (!heads.includes(id))
        throw new InvalidDevOptionError(
          operation,
          'heads',
          `names "${h}", which is not a head (the heads are ${heads.join(', ') || 'none'}).`,
        );
      return id;
    });
    parents = [...new Set(parents)];
  }
  if (parents.length < 2) {
    throw new NothingToMergeError(
      heads,
      parents.length === 0
        ? 'the bundle has no revisions.'
        : `only one head${options.heads ? ' was named' : ' exists'} (${parents.join(', ')}).`,
    );
  }
  const id = requireNewId(operation, options.id, bundle.graph) ?? newRevisionId();
  const file = join(dir, `${id}_${slugOf(message)}.ts`);
  const template = readTemplate(dir);
  const source = renderRevision(
    template.text,
    { id, parents, message, createdAt: new Date().toISOString(), up: [], down: [] },
    template.path,
  );
  writeFileSync(file, source, { flag: 'wx' });
  await appendToIndex(bundle.indexPath, file);
  logger.info(
    { revision: id, parents, path: file },
    `merge revision ${id} of ${parents.join(', ')} written to ${file}`,
  );
  return { id, parents, path: file };
}
