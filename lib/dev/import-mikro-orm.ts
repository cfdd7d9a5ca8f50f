import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { MigrationImportError } from '../errors.ts';
import { REVISION_ID } from '../revision.ts';
import { appendToIndex, init, INDEX_FILE, loadBundle, resolveDir } from './bundle.ts';
import { InvalidDevOptionError, UnmergedHeadsError } from './errors.ts';
import { loggerOf, readTemplate } from './revision.ts';
import { renderRevision } from './render.ts';

export interface ImportOptions {
  /** The folder of the app's @mikro-orm/migrations classes (.ts or .js files). */
  from: string;
  /** The upshift revisions folder; created (init) when it does not exist yet. */
  dir: string;
  /** The app's MikroORM instance, handed to the migration classes' constructors (optional). */
  orm?: MikroORM;
  logger?: Logger;
}

export interface ImportedRevision {
  /** The MikroORM migration name, kept as the revision id (what the boot finds in mikro_orm_migrations). */
  id: string;
  parents: string[];
  path: string;
  statements: number;
  reversible: boolean;
}

const MIGRATION_FILE = /^[^.].*\.(?:ts|js|mjs|mts)$/;

/**
 * Converts the app's @mikro-orm/migrations classes into upshift revisions, one per migration, in
 * MikroORM's execution order (by name), chained one after the other on top of the bundle's head.
 * Each keeps its MikroORM name as its id, so that the first upshift boot against a database that
 * MikroORM migrated records as applied exactly the revisions its mikro_orm_migrations table lists.
 * The SQL is what each class's up()/down() hand to `this.addSql()`; a down() that MikroORM would
 * refuse to run makes an irreversible revision. Migrations already in the bundle are skipped, so
 * importing again after new MikroORM migrations adds only those.
 */
export async function importMikroOrmMigrations(options: ImportOptions): Promise<ImportedRevision[]> {
  const operation = 'importMikroOrmMigrations()';
  if (!options || typeof options !== 'object')
    throw new InvalidDevOptionError(operation, 'options', 'must be an object: { from, dir }.');
  const from = resolveDir(operation, options.from);
  if (!existsSync(from))
    throw new InvalidDevOptionError(
      operation,
      'from',
      `${from} does not exist; pass the folder of your MikroORM migration classes (migrations.path).`,
    );
  const dir = resolveDir(operation, options.dir);
  if (!existsSync(join(dir, INDEX_FILE))) await init({ dir });
  const logger = loggerOf(options.logger);
  const bundle = await loadBundle(operation, dir);
  const heads = bundle.graph.heads();
  if (heads.length > 1) throw new UnmergedHeadsError(heads, operation);
  const files = readdirSync(from)
    .filter((f) => MIGRATION_FILE.test(f) && !f.endsWith('.d.ts'))
    .sort();
  // Everything is read (and every problem found) before the first file is written.
  const migrations = [];
  for (const file of files) migrations.push(await readMigration(join(from, file), options.orm));
  const template = readTemplate(dir);
  const written: ImportedRevision[] = [];
  let parents = heads;
  for (const m of migrations) {
    if (bundle.graph.has(m.name)) {
      parents = [m.name];
      continue;
    }
    const path = join(dir, `${m.name}.ts`);
    const source = renderRevision(
      template.text,
      {
        id: m.name,
        parents,
        message: `MikroORM migration ${m.name}`,
        createdAt: new Date().toISOString(),
        up: m.up.map((sql) => ({ sql })),
        down: (m.down ?? []).map((sql) => ({ sql })),
        irreversible: m.down ? undefined : `the MikroORM migration ${m.name} has no down()`,
        notes: m.transactional
          ? []
          : [
              `the MikroORM migration ran outside a transaction (isTransactional() was false); set transaction: false if it must`,
            ],
      },
      template.path,
    );
    writeFileSync(path, source, { flag: 'wx' });
    await appendToIndex(bundle.indexPath, path);
    written.push({ id: m.name, parents, path, statements: m.up.length, reversible: m.down !== undefined });
    parents = [m.name];
  }
  logger.info(
    { imported: written.map((w) => w.id), from, dir },
    `imported ${written.length} MikroORM migration(s) from ${from} into ${dir}`,
  );
  return written;
}

interface ReadMigration {
  name: string;
  up: string[];
  /** Undefined when down() throws, as MikroORM's default down() does. */
  down: string[] | undefined;
  transactional: boolean;
}

type MigrationInstance = {
  up(): unknown;
  down(): unknown;
  getQueries(): unknown[];
  reset(): void;
  isTransactional?(): boolean;
  name?: string;
};

async function readMigration(file: string, orm: MikroORM | undefined): Promise<ReadMigration> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new MigrationImportError(
      file,
      `it cannot be imported (${(error as Error)?.message ?? String(error)}).`,
      error,
    );
  }
  const classes = Object.values(module).filter(
    (v): v is new (driver: unknown, config: unknown) => MigrationInstance =>
      typeof v === 'function' && typeof v.prototype?.up === 'function' && typeof v.prototype?.getQueries === 'function',
  );
  if (classes.length !== 1)
    throw new MigrationImportError(file, `it must export exactly one Migration class (found ${classes.length}).`);
  const instance = new classes[0]!(orm?.em.getDriver(), orm?.config);
  // MikroORM names a migration after its file, without the extension (MigrationStorage).
  const name = instance.name ?? basename(file, extname(file));
  if (!REVISION_ID.test(name))
    throw new MigrationImportError(
      file,
      `its name "${name}" is not a valid revision id (4 to 64 characters of A-Z, a-z, 0-9 and _); rename the migration in MikroORM first.`,
    );
  const up = await collect(file, instance, 'up');
  let down: string[] | undefined;
  try {
    down = await collect(file, instance, 'down');
  } catch (error) {
    if (error instanceof MigrationImportError) throw error;
    down = undefined;
  }
  return { name, up, down, transactional: instance.isTransactional?.() ?? true };
}

async function collect(file: string, instance: MigrationInstance, method: 'up' | 'down'): Promise<string[]> {
  instance.reset();
  await instance[method]();
  return instance.getQueries().map((q, i) => {
    if (typeof q !== 'string') {
      throw new MigrationImportError(
        file,
        `statement ${i + 1} of ${method}() is a query builder or raw() fragment, not SQL text; replace it with its SQL (this.addSql('...')) and import again.`,
      );
    }
    return q;
  });
}
