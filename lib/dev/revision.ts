import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { AppLogger } from '../app-logger.ts';
import { describeValue, REVISION_ID } from '../revision.ts';
import { defaultLogger } from '../runtime.ts';
import type { RevisionGraph } from '../revision-graph.ts';
import { appendToIndex, type Bundle, loadBundle, resolveDir } from './bundle.ts';
import { type LintFinding, lintRevisions, lintStatements } from './lint/lint.ts';
import { type ChainStep, safeChain } from './safe-chain.ts';
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
  /**
   * PostgreSQL: write the lint's safe recipes instead of MikroORM's statements where one exists,
   * as a chain of revisions (an index built CONCURRENTLY in a `transaction: false` revision, a
   * constraint added NOT VALID then validated, SET NOT NULL through a validated CHECK). Default false.
   */
  safe?: boolean;
}

/** A revision of a safe chain written after the first. */
export interface ChainedRevision {
  id: string;
  parents: string[];
  path: string;
  transaction: boolean;
  up: string[];
  down: string[];
}

export interface GeneratedRevision {
  id: string;
  parents: string[];
  /** The file written. */
  path: string;
  /** The statements of up() and down(), in order. */
  up: string[];
  down: string[];
  /** false when written `transaction: false` (safe: true, an index built concurrently). */
  transaction: boolean;
  /** One line per statement that destroys data (also marked in the file and logged). */
  dataLoss: string[];
  /** One line per statement that may fail on a database holding rows, with the fix (also in the file and the log). */
  warnings: string[];
  /**
   * PostgreSQL: the up() statements the lint finds dangerous on a busy database, each with its
   * safe recipe (also marked `// UNSAFE DDL [rule]` in the file and logged), of every revision written.
   */
  lint: LintFinding[];
  /** safe: true: the chain's revisions after this one, in order (empty otherwise). */
  chain: ChainedRevision[];
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
  if (options.safe !== undefined && typeof options.safe !== 'boolean')
    throw new InvalidDevOptionError(operation, 'safe', 'must be true or false.');
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
  const { unconverged } = generated;
  const steps = await lintedSteps(orm, bundle, generated, options.safe === true, logger);
  const irreversible = steps[0]!.step === 'main' ? generated.irreversible : undefined;

  // The chain's revisions follow each other: ids, parents and creation times in order.
  const started = Date.now();
  const written: { id: string; parents: string[]; path: string; step: ChainStep }[] = [];
  for (const [i, step] of steps.entries()) {
    const stepId = i === 0 ? id : newRevisionId();
    const parents = i === 0 ? heads : [written[i - 1]!.id];
    const stepMessage = i === 0 ? message : `${message} (${STEP_MESSAGES[step.step]})`;
    const file = join(dir, `${stepId}_${slugOf(stepMessage)}.ts`);
    const source = renderRevision(
      template.text,
      {
        id: stepId,
        parents,
        message: stepMessage,
        createdAt: new Date(started + i).toISOString(),
        up: step.up,
        down: step.down,
        foreignKeysOff: generated.foreignKeysOff,
        // The reason belongs to MikroORM's down() of the main step; the chain's own steps have theirs.
        irreversible: step.step === 'main' ? irreversible : undefined,
        notes: i === 0 && unconverged ? [unconverged] : [],
        transaction: step.transaction,
      },
      template.path,
    );
    // decorate: baseline() adds its marker before the file is first imported (and cached).
    writeFileSync(file, i === 0 ? decorate(source) : source, { flag: 'wx' });
    await appendToIndex(bundle.indexPath, file);
    written.push({ id: stepId, parents, path: file, step });
  }

  const dataLoss: string[] = [];
  const warnings: string[] = [];
  const lint: LintFinding[] = [];
  for (const { id: rid, step } of written) {
    for (const [direction, statements] of [
      ['up', step.up],
      ['down', step.down],
    ] as const) {
      for (const statement of statements) {
        if (statement.dataLoss) {
          dataLoss.push(`${direction}: ${statement.dataLoss}`);
          logger.warn(
            { revision: rid, direction, statement: statement.sql },
            `revision ${rid} ${direction}() ${statement.dataLoss}: review it before you commit`,
          );
        }
        for (const warning of statement.warnings ?? []) {
          warnings.push(`${direction}: ${warning}`);
          logger.warn(
            { revision: rid, direction, statement: statement.sql },
            `revision ${rid} ${direction}() ${warning}`,
          );
        }
        for (const f of statement.lint ?? []) {
          lint.push({
            revision: rid,
            rule: f.rule as LintFinding['rule'],
            statement: statement.sql,
            message: f.message,
          });
          logger.warn(
            { revision: rid, rule: f.rule, statement: statement.sql },
            `revision ${rid} up() UNSAFE DDL [${f.rule}]: ${f.message}`,
          );
        }
      }
    }
  }
  const first = written[0]!;
  if (irreversible) logger.warn({ revision: id }, `revision ${id} has no down(): ${irreversible}`);
  if (unconverged) logger.warn({ revision: id, ignored: generated.ignored }, `revision ${id}: ${unconverged}`);
  for (const w of written)
    logger.info(
      { revision: w.id, path: w.path, up: w.step.up.length, down: w.step.down.length },
      `revision ${w.id} written to ${w.path}`,
    );
  return {
    id: first.id,
    parents: first.parents,
    path: first.path,
    up: first.step.up.map((s) => s.sql),
    down: first.step.down.map((s) => s.sql),
    transaction: first.step.transaction,
    dataLoss,
    warnings,
    lint,
    chain: written.slice(1).map((w) => ({
      id: w.id,
      parents: w.parents,
      path: w.path,
      transaction: w.step.transaction,
      up: w.step.up.map((s) => s.sql),
      down: w.step.down.map((s) => s.sql),
    })),
    disableForeignKeys: generated.foreignKeysOff,
    irreversible,
    unconverged,
  };
}

const STEP_MESSAGES: Record<ChainStep['step'], string> = {
  main: '',
  concurrent: 'safe: indexes built concurrently',
  validate: 'safe: constraints validated',
  'not-null': 'safe: NOT NULL through the validated checks',
};

/**
 * The revisions to write: one, or with `safe` the chain of safe-chain.ts. On PostgreSQL each
 * statement of up() carries the lint's findings, read on top of what the bundle's revisions
 * built (a CHECK validated by an earlier revision counts). down() is not linted.
 */
async function lintedSteps(
  orm: MikroORM | undefined,
  bundle: Bundle,
  generated: GeneratedSql,
  safe: boolean,
  logger: Logger,
): Promise<ChainStep[]> {
  const single: ChainStep = { step: 'main', transaction: true, up: generated.up, down: generated.down };
  const dialect = orm && dialectOf(orm, 'revision()');
  if (safe && dialect && dialect !== 'postgresql')
    logger.warn(
      { dialect },
      `revision(): safe: true changes nothing on ${dialect === 'mariadb' ? 'MariaDB/MySQL' : 'SQLite'}: its recipes (CONCURRENTLY, NOT VALID) are PostgreSQL's`,
    );
  if (dialect !== 'postgresql' || generated.up.length === 0) return [single];
  const before = (await lintRevisions(bundle.graph.order, logger)).state;
  let steps = [single];
  if (safe) {
    const findings = lintStatements(
      generated.up.map((s) => s.sql),
      { state: before.clone() },
    );
    steps = safeChain(generated.up, generated.down, findings);
  }
  const state = before;
  return steps.map((step) => {
    const findings = lintStatements(
      step.up.map((s) => s.sql),
      { state, transaction: step.transaction },
    );
    return {
      ...step,
      up: step.up.map((s, i) => ({ ...s, lint: findings[i]!.map(({ rule, message }) => ({ rule, message })) })),
    };
  });
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
