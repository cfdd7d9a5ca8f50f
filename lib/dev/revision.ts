import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { AppLogger } from '../app-logger.ts';
import { describeValue, REVISION_ID } from '../revision.ts';
import { defaultLogger } from '../runtime.ts';
import type { RevisionGraph } from '../revision-graph.ts';
import { appendToIndex, loadBundle, resolveDir } from './bundle.ts';
import { sync } from './sync.ts';
import { InvalidDevOptionError, UnmergedHeadsError } from './errors.ts';
import { generate, type GeneratedSql } from './generate.ts';
import { newRevisionId, renderRevision, slugOf, TEMPLATE_DIR, TEMPLATE_FILE } from './render.ts';
import { dialectOf, openShadow } from './shadow.ts';

export interface RevisionOptions {
  /** The app's MikroORM instance: lends its entities and configuration; its database is never used. */
  orm?: MikroORM;
  /** The revisions folder (made by init()). */
  dir: string;
  message: string;
  /** Diff the entities against the revisions (default). false: an empty revision to fill by hand. */
  autogenerate?: boolean;
  /** A chosen id instead of 12 random hex characters. */
  id?: string;
  /** Where warnings (data loss, risks, MikroORM's limits) and the summary go. Default: pino named "upshift". */
  logger?: AppLogger;
  /**
   * PostgreSQL where the role may not CREATE DATABASE (managed servers): a database of its own
   * for the shadow, emptied before and after each use. Refused when it is the app's database or
   * holds upshift version rows (ShadowDatabaseRefusedError).
   */
  shadowDatabaseUrl?: string;
}

export interface GeneratedRevision {
  id: string;
  parents: string[];
  /** The file written. */
  path: string;
  /** The statements of up() and down(), in order. */
  up: string[];
  down: string[];
  /** One line per statement that destroys data (also marked in the file and logged). */
  dataLoss: string[];
  /** One line per statement that may fail on a database holding rows, with the fix (also in the file and the log). */
  warnings: string[];
  /** SQLite: why the revision runs with foreign keys off (`disableForeignKeys: true`); empty when it does not. */
  disableForeignKeys: string[];
  /** Why the revision has no down(), when it has none. */
  irreversible?: string | undefined;
  /** MikroORM's diff does not converge after this revision: what it keeps asking for (not the entities' change). */
  unconverged?: string | undefined;
}

/**
 * Writes a new revision: the statements that take the schema built by the existing revisions to
 * the entities' schema, and back. Returns null, writing nothing, when there is no difference.
 */
export async function revision(
  options: RevisionOptions,
  decorate: (source: string) => string = (source) => source,
): Promise<GeneratedRevision | null> {
  const operation = 'revision()';
  if (!options || typeof options !== 'object')
    throw new InvalidDevOptionError(operation, 'options', 'must be an object: { orm, dir, message }.');
  const message = requireMessage(operation, options.message);
  const autogenerate = options.autogenerate ?? true;
  if (typeof autogenerate !== 'boolean')
    throw new InvalidDevOptionError(operation, 'autogenerate', 'must be true or false.');
  const orm = autogenerate ? requireOrm(operation, options.orm) : undefined;
  const dir = resolveDir(operation, options.dir);
  const logger = loggerOf(options.logger);
  // Entries of revisions edited since they were written are brought in step first (item: no hand-pasted checksums).
  await sync({ dir });
  const bundle = await loadBundle(operation, dir);
  const heads = bundle.graph.heads();
  if (heads.length > 1) throw new UnmergedHeadsError(heads, operation);
  const id = requireNewId(operation, options.id, bundle.graph) ?? newRevisionId();
  const template = readTemplate(dir);

  let generated: GeneratedSql = {
    up: [],
    down: [],
    foreignKeysOff: [],
    irreversible: undefined,
    unconverged: undefined,
    ignored: [],
  };
  if (orm) {
    const shadow = await openShadow(orm, operation, options.shadowDatabaseUrl);
    try {
      await shadow.build(bundle.revisions);
      generated = await generate(shadow);
    } finally {
      await shadow.close();
    }
    if (generated.up.length === 0) {
      if (generated.unconverged)
        logger.warn({ dir, ignored: generated.ignored }, `revision(): ${generated.unconverged} No revision written.`);
      else logger.info({ dir }, 'revision(): the entities match the revisions; no revision written');
      return null;
    }
  }
  const { up, down, irreversible, unconverged } = generated;

  const file = join(dir, `${id}_${slugOf(message)}.ts`);
  const source = renderRevision(
    template.text,
    {
      id,
      parents: heads,
      message,
      createdAt: new Date().toISOString(),
      up,
      down,
      foreignKeysOff: generated.foreignKeysOff,
      irreversible,
      notes: unconverged ? [unconverged] : [],
    },
    template.path,
  );
  // decorate: baseline() adds its marker before the file is first imported (and cached).
  writeFileSync(file, decorate(source), { flag: 'wx' });
  await appendToIndex(bundle.indexPath, file);

  const dataLoss: string[] = [];
  const warnings: string[] = [];
  for (const [direction, statements] of [
    ['up', up],
    ['down', down],
  ] as const) {
    for (const statement of statements) {
      if (statement.dataLoss) {
        dataLoss.push(`${direction}: ${statement.dataLoss}`);
        logger.warn(
          { revision: id, direction, statement: statement.sql },
          `revision ${id} ${direction}() ${statement.dataLoss}: review it before you commit`,
        );
      }
      for (const warning of statement.warnings ?? []) {
        warnings.push(`${direction}: ${warning}`);
        logger.warn({ revision: id, direction, statement: statement.sql }, `revision ${id} ${direction}() ${warning}`);
      }
    }
  }
  if (irreversible) logger.warn({ revision: id }, `revision ${id} has no down(): ${irreversible}`);
  if (unconverged) logger.warn({ revision: id, ignored: generated.ignored }, `revision ${id}: ${unconverged}`);
  logger.info({ revision: id, path: file, up: up.length, down: down.length }, `revision ${id} written to ${file}`);
  return {
    id,
    parents: heads,
    path: file,
    up: up.map((s) => s.sql),
    down: down.map((s) => s.sql),
    dataLoss,
    warnings,
    disableForeignKeys: generated.foreignKeysOff,
    irreversible,
    unconverged,
  };
}

/** The folder's own revision.ts.template when it has one (an app may edit it), else upshift's. */
export function readTemplate(dir: string): { text: string; path: string } {
  const own = join(dir, TEMPLATE_FILE);
  const path = existsSync(own) ? own : fileURLToPath(new URL(TEMPLATE_FILE, TEMPLATE_DIR));
  return { text: readFileSync(path, 'utf8'), path };
}

// Checks of the arguments shared by revision(), merge() and check(): all run before any write.

export function requireMessage(operation: string, message: unknown): string {
  if (typeof message !== 'string' || message.trim() === '') {
    throw new InvalidDevOptionError(
      operation,
      'message',
      `must be a non-empty string describing the change (got ${describeValue(message)}), e.g. revision({ ..., message: "add email to user" }).`,
    );
  }
  return message;
}

export function requireNewId(operation: string, id: unknown, graph: RevisionGraph): string | undefined {
  if (id === undefined) return undefined;
  if (typeof id !== 'string' || !REVISION_ID.test(id)) {
    throw new InvalidDevOptionError(
      operation,
      'id',
      `must be 4 to 64 characters of A-Z, a-z, 0-9 and _ (got ${describeValue(id)}); leave it out for 12 random hex characters.`,
    );
  }
  if (graph.has(id))
    throw new InvalidDevOptionError(
      operation,
      'id',
      `"${id}" is already a revision in the bundle; choose another id or leave it out.`,
    );
  return id;
}

export function requireOrm(operation: string, orm: unknown): MikroORM {
  dialectOf(orm as MikroORM, operation);
  return orm as MikroORM;
}

export function loggerOf(logger: AppLogger | undefined): Logger {
  return (logger as Logger | undefined) ?? defaultLogger();
}
