import type { MikroORM } from '@mikro-orm/core';
import { RevisionFailedError } from '../errors.ts';
import type { RevisionEntry } from '../lazy-revision.ts';
import type { Revision } from '../revision.ts';
import { resolveEntries } from './entries.ts';
import { RevisionGraph } from '../revision-graph.ts';
import type { AppLogger } from '../app-logger.ts';
import {
  InvalidDevOptionError,
  RoundTripError,
  SchemaDriftError,
  UnmergedHeadsError,
  UnsafeDdlError,
} from './errors.ts';
import { type LintFinding, lintRevisions } from './lint/lint.ts';
import { loggerOf, requireOrm } from './revision.ts';
import { dialectOf } from './shadow.ts';
import type { DatabaseSchema } from '@mikro-orm/sql';
import { driftOf } from './drift.ts';
import { compareSchemas, readSchema } from './schema-diff.ts';
import { schemaFingerprint } from './fingerprint.ts';
import { openShadow, type Shadow } from './shadow.ts';

export interface CheckOptions {
  /** The app's MikroORM instance: lends its entities and configuration; its database is never used. */
  orm: MikroORM;
  /** The bundle, as the app passes it to the Migrator. Declared entries are loaded and compared with their modules. */
  revisions: readonly RevisionEntry[];
  /** Skip the upgrade → downgrade → upgrade test of each revision (faster; default false). */
  skipRoundTrip?: boolean;
  /**
   * PostgreSQL where the role may not CREATE DATABASE (managed servers): a database of its own
   * for the shadow, emptied before and after each use. Refused when it is the app's database or
   * holds upshift version rows (ShadowDatabaseRefusedError).
   */
  shadowDatabaseUrl?: string;
  /**
   * PostgreSQL: the lint of dangerous DDL over every revision's up(). 'warn' (default) logs the
   * findings and returns them; 'error' throws UnsafeDdlError listing them (for CI); false skips it.
   */
  lint?: 'error' | 'warn' | false;
  /** Where lint warnings go. Default: pino named "upshift". */
  logger?: AppLogger;
}

export interface CheckResult {
  revisions: number;
  /** Revisions without down(): their round trip stops at up. */
  irreversible: string[];
  /**
   * Differences MikroORM keeps finding after its own statements ran and that change nothing
   * (its diff does not converge on these tables): its limitation, not drift, so check() passes.
   */
  unconverged: { tables: string[]; statements: string[] } | undefined;
  /** PostgreSQL, lint 'warn': the findings (each with its revision, rule, statement and recipe). */
  lint: LintFinding[];
  durationMs: number;
}

/**
 * For test hooks. In a shadow database: every revision must survive upgrade → downgrade →
 * upgrade (down() restores the schema exactly, up() again rebuilds it exactly), the bundle must
 * have one head, and the schema the revisions build must be the entities' schema (apart from
 * MikroORM's non-convergence, which the result names: see convergence.ts). Throws
 * UnmergedHeadsError, RoundTripError or SchemaDriftError, naming what to fix.
 */
export async function check(options: CheckOptions): Promise<CheckResult> {
  const started = performance.now();
  const operation = 'check()';
  if (!options || typeof options !== 'object')
    throw new InvalidDevOptionError(operation, 'options', 'must be an object: { orm, revisions }.');
  const orm = requireOrm(operation, options.orm);
  if (!Array.isArray(options.revisions))
    throw new InvalidDevOptionError(operation, 'revisions', 'must be the array exported by revisions/index.ts.');
  const revisions = await resolveEntries(operation, options.revisions, 'revisions');
  const graph = new RevisionGraph(revisions);
  const heads = graph.heads();
  if (heads.length > 1) throw new UnmergedHeadsError(heads, operation);
  const lint = options.lint ?? 'warn';
  if (lint !== 'error' && lint !== 'warn' && lint !== false)
    throw new InvalidDevOptionError(operation, 'lint', "must be 'error', 'warn' or false.");
  // Before the shadow: the lint needs no database, and CI learns of unsafe DDL at once.
  let findings: LintFinding[] = [];
  if (lint && dialectOf(orm, operation) === 'postgresql') {
    const logger = loggerOf(options.logger);
    findings = (await lintRevisions(graph.order, logger)).findings;
    if (lint === 'error' && findings.length > 0) throw new UnsafeDdlError(findings);
    for (const f of findings)
      logger.warn(
        { revision: f.revision, rule: f.rule, statement: f.statement },
        `check(): revision ${f.revision} UNSAFE DDL [${f.rule}]: ${f.message}`,
      );
  }

  let shadow = await openShadow(orm, operation, options.shadowDatabaseUrl);
  try {
    let irreversible: string[] = [];
    if (options.skipRoundTrip) await shadow.build(revisions);
    else {
      const quick = await roundTrips(shadow, graph, fingerprintProbe);
      if (quick) irreversible = quick;
      else {
        // A fingerprint changed: let MikroORM's exact comparison decide, from a fresh shadow.
        await shadow.close();
        shadow = await openShadow(orm, operation, options.shadowDatabaseUrl);
        irreversible = (await roundTrips(shadow, graph, exactProbe))!; // the exact probe never says just "differ"
      }
    }
    const drift = await driftOf(shadow);
    if (drift.statements.length > 0) throw new SchemaDriftError(drift.statements);
    return {
      revisions: revisions.length,
      irreversible,
      unconverged: drift.unconverged,
      lint: findings,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await shadow.close();
  }
}

/**
 * How a round trip looks at the schema: `read` snapshots it, `differences` lists what would turn
 * one snapshot into the other ([] when equal). The fingerprint probe answers "different" without
 * detail; the exact probe (MikroORM's schema comparison) names the statements, so it reads after
 * every step (`everyStep`) to name the step, too.
 */
interface Probe<S> {
  read(shadow: Shadow): Promise<S>;
  differences(shadow: Shadow, actual: S, expected: S): string[] | 'differ';
  everyStep: boolean;
}

const fingerprintProbe: Probe<string> = {
  read: schemaFingerprint,
  differences: (_shadow, actual, expected) => (actual === expected ? [] : 'differ'),
  everyStep: false,
};

const exactProbe: Probe<DatabaseSchema> = {
  read: readSchema,
  differences: (shadow, actual, expected) => compareSchemas(shadow.orm, actual, expected),
  everyStep: true,
};

/**
 * Every revision, in order: up, down, up again, comparing schemas. Returns the irreversible ids,
 * or undefined when a probe could only say "differ" (the caller retries with the exact probe to
 * name the statements and the step). Each round trip starts where the last one ended.
 *
 * What up() applied again built need not be read at once: the next revision's down() must restore
 * exactly that schema, and it is compared with what the first up() built. So a difference shows
 * there (as "differ", which the exact retry attributes), and the schema is read twice per revision
 * instead of three times: a third of check()'s schema reads. It is read at once before a revision
 * without down() and after the last one, where no such comparison follows.
 */
async function roundTrips<S>(shadow: Shadow, graph: RevisionGraph, probe: Probe<S>): Promise<string[] | undefined> {
  const irreversible: string[] = [];
  const order = graph.order;
  let before: S = await probe.read(shadow);
  for (const [i, r] of order.entries()) {
    const readUpAgain = probe.everyStep || !order[i + 1]?.down;
    const trip = await roundTrip(shadow, r, before, probe, readUpAgain);
    if (trip === 'differ') return undefined;
    if (!trip.reversible) irreversible.push(r.id);
    before = trip.after;
  }
  return irreversible;
}

/** Applies the next revision, reverts it, applies it again, comparing schemas. */
async function roundTrip<S>(
  shadow: Shadow,
  r: Revision,
  before: S,
  probe: Probe<S>,
  readUpAgain: boolean,
): Promise<{ reversible: boolean; after: S } | 'differ'> {
  const step = async (what: 'up' | 'down' | 'up-again') => {
    try {
      await shadow.step(r, what === 'down' ? 'down' : 'up');
    } catch (error) {
      const cause = error instanceof RevisionFailedError ? error.cause : error;
      throw new RoundTripError(
        r.id,
        what,
        `its ${what === 'down' ? 'down' : 'up'}() failed${what === 'up-again' ? ' when applied again after down()' : ''}: ${(cause as Error)?.message ?? String(cause)}.`,
        [],
        error,
      );
    }
  };
  await step('up');
  const after = await probe.read(shadow);
  if (!r.down) return { reversible: false, after };
  await step('down');
  const restored = probe.differences(shadow, await probe.read(shadow), before);
  if (restored === 'differ') return 'differ';
  if (restored.length > 0) {
    throw new RoundTripError(
      r.id,
      'down',
      'after up() then down(), the schema is not what it was before up(); these statements would restore it:',
      restored,
    );
  }
  await step('up-again');
  if (!readUpAgain) return { reversible: true, after };
  const again = probe.differences(shadow, await probe.read(shadow), after);
  if (again === 'differ') return 'differ';
  if (again.length > 0) {
    throw new RoundTripError(
      r.id,
      'up-again',
      'up() applied again after down() builds a different schema than the first time; these statements would make them equal:',
      again,
    );
  }
  return { reversible: true, after };
}
