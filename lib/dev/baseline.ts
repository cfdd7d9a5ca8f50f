import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { loadBundle, resolveDir } from './bundle.ts';
import { InvalidDevOptionError } from './errors.ts';
import { jsString } from './render.ts';
import { revision, type GeneratedRevision } from './revision.ts';
import { targetSchema } from './schema-diff.ts';

export interface BaselineOptions {
  orm: MikroORM;
  dir: string;
  message?: string;
  id?: string;
  logger?: Logger;
}

/**
 * For an app with no migration history: the first revision, the entities' full schema, marked
 * `baseline: { tables }` with every table and column MikroORM would create. A new database runs
 * it; a first boot against a database that already has those tables records it instead
 * (lib/baseline.ts), and one that has only some of them is BaselineMismatchError. Only as the
 * bundle's first revision: refused when the bundle has any.
 */
export async function baseline(options: BaselineOptions): Promise<GeneratedRevision> {
  const operation = 'baseline()';
  if (!options || typeof options !== 'object')
    throw new InvalidDevOptionError(operation, 'options', 'must be an object: { orm, dir }.');
  const dir = resolveDir(operation, options.dir);
  const bundle = await loadBundle(operation, dir);
  if (bundle.revisions.length > 0) {
    throw new InvalidDevOptionError(
      operation,
      'dir',
      `already holds ${bundle.revisions.length} revision(s); a baseline can only be the first one.`,
    );
  }
  const tables: Record<string, string[]> = {};
  for (const table of targetSchema(options.orm).getTables()) tables[table.name] = table.getColumns().map((c) => c.name);
  const entries = Object.entries(tables).map(([t, cols]) => `${jsString(t)}: [${cols.map(jsString).join(', ')}]`);
  let marked = false;
  // Not part of the checksum (id, parents, up, down).
  const mark = (source: string) =>
    source.replace(/^([ \t]*)parents: \[\],?\n/m, (line, indent: string) => {
      marked = true;
      return `${line}${indent}baseline: { tables: { ${entries.join(', ')} } },\n`;
    });
  const written = await revision(
    { ...options, message: options.message ?? 'baseline: the schema as it stands', autogenerate: true },
    mark,
  );
  if (!written)
    throw new InvalidDevOptionError(operation, 'orm', 'has no entities with tables: there is nothing to baseline.');
  if (!marked)
    throw new InvalidDevOptionError(
      operation,
      'dir',
      `its revision template has no "parents: []," line to put the baseline marker after; add baseline: { tables } to ${written.path} by hand.`,
    );
  return written;
}
