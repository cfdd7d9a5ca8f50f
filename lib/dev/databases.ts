import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import { DatabasesFailedError, type UpshiftError } from '../errors.ts';
import type { RevisionEntry } from '../lazy-revision.ts';
import { init, resolveDir, type InitResult } from './bundle.ts';
import { check, type CheckOptions, type CheckResult } from './check.ts';
import { InvalidDevOptionError } from './errors.ts';
import { revision, type GeneratedRevision, type RevisionOptions } from './revision.ts';

/**
 * Several databases (Flask-Migrate's `init --multidb`): one revisions folder per database under one
 * root, `<dir>/<name>/`, each a bundle of its own, and `<dir>/index.ts` exporting them all as
 * `databases` — what `new MigratorSet(...)` takes, one entry per database with its ORM.
 */

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

function names(operation: string, value: unknown): string[] {
  const list = Array.isArray(value) ? value : value && typeof value === 'object' ? Object.keys(value) : undefined;
  if (!list || list.length === 0)
    throw new InvalidDevOptionError(operation, 'databases', 'must name at least one database.');
  for (const name of list) {
    if (typeof name !== 'string' || !NAME.test(name))
      throw new InvalidDevOptionError(
        operation,
        'databases',
        `${JSON.stringify(name)} is not a database name (1 to 64 of A-Z, a-z, 0-9, _ and -).`,
      );
  }
  return list as string[];
}

/** Lays out a folder per database and the root index that exports them all. */
export async function initDatabases(options: {
  dir: string;
  databases: readonly string[];
}): Promise<Record<string, InitResult>> {
  const operation = 'init()';
  const root = resolveDir(operation, options.dir);
  const list = names(operation, options.databases);
  const results: Record<string, InitResult> = {};
  for (const name of list) results[name] = await init({ dir: join(root, name) });
  const imports = list.map((name, i) => `import { revisions as db${i} } from './${name}/index.ts';`).join('\n');
  const entries = list.map((name, i) => `  ${JSON.stringify(name)}: db${i},`).join('\n');
  writeFileSync(
    join(root, 'index.ts'),
    `/** Every database's bundle, by name: what new MigratorSet({ name: { orm, revisions } }) takes. Written by init(); add a database with init() too. */\n` +
      `${imports}\n\nexport const databases = {\n${entries}\n} as const;\n`,
    { flag: 'wx' },
  );
  return results;
}

/** A revision for every database whose entities changed (null for the others). */
export async function revisionDatabases(
  options: Omit<RevisionOptions, 'orm'> & { databases: Record<string, MikroORM> },
): Promise<Record<string, GeneratedRevision | null>> {
  const operation = 'revision()';
  const root = resolveDir(operation, options.dir);
  const { databases, ...rest } = options;
  const results: Record<string, GeneratedRevision | null> = {};
  for (const name of names(operation, databases)) {
    results[name] = await revision({
      ...rest,
      orm: databases[name]!,
      dir: join(root, name),
      logger: rest.logger?.child({ database: name }),
    });
  }
  return results;
}

/** check() of every database; one that fails does not hide the others (DatabasesFailedError). */
export async function checkDatabases(
  options: Omit<CheckOptions, 'orm' | 'revisions'> & {
    databases: Record<string, { orm: MikroORM; revisions: readonly RevisionEntry[] }>;
  },
): Promise<Record<string, CheckResult>> {
  const { databases, ...rest } = options;
  const results: Record<string, { ok: true; result: CheckResult } | { ok: false; error: UpshiftError }> = {};
  for (const name of names('check()', databases)) {
    try {
      results[name] = { ok: true, result: await check({ ...rest, ...databases[name]! }) };
    } catch (error) {
      results[name] = { ok: false, error: error as UpshiftError };
    }
  }
  if (Object.values(results).some((r) => !r.ok)) throw new DatabasesFailedError('check', results);
  return Object.fromEntries(Object.entries(results).map(([name, r]) => [name, (r as { result: CheckResult }).result]));
}
