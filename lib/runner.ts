import type { EntityManager, Transaction } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { checksumOf } from './checksum.ts';
import type { Database } from './database.ts';
import { ddlLimitsFor, type DdlOptions } from './ddl-options.ts';
import type { DdlGuard, Dialect, HeldLock, StatementGuard, StepStatements, Unit } from './dialect/dialect.ts';
import { CommitFailure } from './dialect/held-lock.ts';
import { asUpshiftError, classify, describeDriverError, hintFor } from './driver-errors.ts';
import {
  ConcurrentChangeError,
  DatabaseError,
  DdlLockTimeoutError,
  ForeignKeyViolationError,
  IrreversibleRevisionError,
  RevisionFailedError,
  UpshiftError,
} from './errors.ts';
import { instanceName } from './instance.ts';
import type { Revision, RevisionContext } from './revision.ts';
import type { RevisionGraph } from './revision-graph.ts';
import type { RecordDetails } from './store.ts';
import { noteStatement, tracked } from './progress.ts';
import { runSteps } from './umzug-adapter.ts';

export type Direction = 'up' | 'down';
export type TransactionMode = 'each' | 'all';

export interface RunContext extends InvokeContext {
  db: Database;
  graph: RevisionGraph;
  lock: HeldLock;
  logger: Logger;
  dialect: RevisionContext['dialect'];
  mode: TransactionMode;
  /** The public call, for messages. */
  operation: string;
  /** Lock bounds and retries for revisions' DDL, where the dialect has them (PostgreSQL). */
  ddl?: { guard: DdlGuard; options: DdlOptions | undefined } | undefined;
}

/** Where a locked unit calls `limit(trx)` first: the guard's bounds for its transaction. */
type Limit = ((trx: Transaction) => Promise<void>) | undefined;

/** Runs `attempt` through the DDL guard when there is one and the work has a transaction. */
function guarded<T>(
  run: RunContext,
  label: string,
  own: DdlOptions | undefined,
  transactional: boolean,
  attempt: (limit: Limit) => Promise<T>,
  onRetry?: () => void,
): Promise<T> {
  if (!run.ddl || !transactional) return attempt(undefined);
  let first = true;
  return run.ddl.guard.retrying(label, ddlLimitsFor(run.ddl.options, own), (limit) => {
    if (!first) onRetry?.();
    first = false;
    return attempt(limit);
  });
}

export interface RunOutcome {
  /** Ids this process ran, in order. */
  ran: string[];
  /** Ids another instance had already run by the time their unit of work came (re-read under the lock). */
  skipped: string[];
}

/**
 * Runs a plan under the lock: each revision its own unit of work ('each'), or all of them in one
 * ('all'). Every unit re-validates its step against the applied set it reads under the lock: a
 * revision another instance already ran is skipped; an upgrade whose parent, or a downgrade
 * whose child, another process changed meanwhile stops the call, typed, at a revision boundary.
 * Whatever fails, the caller gets an UpshiftError that names the revision in flight.
 */
export async function runPlan(
  direction: Direction,
  plan: readonly Revision[],
  applied: readonly string[],
  run: RunContext,
): Promise<RunOutcome> {
  if (direction === 'down') {
    const irreversible = plan.find((r) => !r.down);
    if (irreversible) throw new IrreversibleRevisionError(irreversible.id);
  }
  const outcome: RunOutcome = { ran: [], skipped: [] };
  if (plan.length === 0) return outcome;
  if (run.mode === 'all') await runAll(direction, plan, applied, run, outcome);
  else {
    await runSteps(direction, plan, applied, (revision) =>
      logged(revision, direction, run, outcome, async () => {
        try {
          return await guarded(run, revision.id, revision.ddl, revision.transaction, (limit) =>
            run.lock.unit((unit) => step(revision, direction, unit, run, limit), {
              transaction: revision.transaction,
              foreignKeysOff: revision.disableForeignKeys ? [revision.id] : [],
            }),
          );
        } catch (error) {
          throw failure(error, revision, direction, run);
        }
      }),
    );
  }
  return outcome;
}

/** 'each' mode: one revision in its unit. Returns false when another instance had already done it. */
async function step(
  revision: Revision,
  direction: Direction,
  unit: Unit,
  run: RunContext,
  limit: Limit,
): Promise<boolean> {
  if (!(await valid(revision, direction, unit, run.graph, new Set()))) return false;
  if (limit && unit.trx) await limit(unit.trx);
  // No transaction (PostgreSQL's transaction: false): the guard runs each statement, bounded, and
  // checks before the version row that the revision left no INVALID index.
  const statements =
    !unit.trx && run.ddl ? run.ddl.guard.outside(revision.id, ddlLimitsFor(run.ddl.options, revision.ddl)) : undefined;
  // MariaDB/MySQL: the lock runs the statements itself, recording progress as each DDL commits.
  const durationMs = run.lock.runStep
    ? await run.lock.runStep(unit, { id: revision.id, direction, checksum: checksumOf(revision) }, (steps) =>
        invoke(revision, direction, unit.trx, { ...run, steps }),
      )
    : await invoke(revision, direction, unit.trx, statements ? { ...run, statements } : run);
  await statements?.finish();
  if (direction === 'up') await unit.record([rowOf(revision, durationMs)]);
  else await unit.unrecord([revision.id]);
  return true;
}

/**
 * 'all' mode: one unit, one transaction for the whole plan. The version rows are written together
 * after the last revision: the same transaction commits them with the revisions' work.
 */
async function runAll(
  direction: Direction,
  plan: readonly Revision[],
  applied: readonly string[],
  run: RunContext,
  outcome: RunOutcome,
): Promise<void> {
  const foreignKeysOff = plan.filter((r) => r.disableForeignKeys).map((r) => r.id);
  let current: Revision | undefined;
  // One transaction for the plan: the Migrator's ddl limits bound it, and a lock timeout runs it all again.
  const label = plan.map((r) => r.id).join(', ');
  const again = () => {
    outcome.ran.length = 0;
    outcome.skipped.length = 0;
  };
  try {
    await guarded(
      run,
      label,
      undefined,
      true,
      (limit) =>
        run.lock.unit(
          async (unit) => {
            if (limit && unit.trx) await limit(unit.trx);
            const done = new Map<Revision, number>();
            const changed = new Set<string>();
            // One read for the whole plan: each step is then checked in memory, against it and
            // against what this unit has run already.
            const related = new Set(
              plan.flatMap((r) => [r.id, ...(direction === 'up' ? r.parents : run.graph.children(r.id))]),
            );
            const known = await unit.applied([...related]);
            const view: Unit = { ...unit, applied: async (ids) => new Set(ids.filter((id) => known.has(id))) };
            await runSteps(direction, plan, applied, (revision) =>
              logged(revision, direction, run, outcome, async () => {
                current = revision;
                if (!(await valid(revision, direction, view, run.graph, changed))) return false;
                done.set(revision, await invoke(revision, direction, unit.trx, run));
                changed.add(revision.id);
                return true;
              }),
            );
            current = undefined;
            if (direction === 'up') await unit.record([...done].map(([r, durationMs]) => rowOf(r, durationMs)));
            else await unit.unrecord([...done.keys()].map((r) => r.id));
          },
          { transaction: true, foreignKeysOff },
        ),
      again,
    );
  } catch (error) {
    if (current) throw failure(error, current, direction, run);
    if (error instanceof UpshiftError) throw error;
    // After the last revision: the run's own COMMIT, or its version rows. Nothing was applied.
    const cause = error instanceof CommitFailure ? error.cause : error;
    const connection = classify(cause) === 'connection';
    throw new DatabaseError(
      run.operation,
      `${run.operation}() ran ${plan.map((r) => r.id).join(', ')} in one transaction (transaction: "all"), but its ${error instanceof CommitFailure ? 'COMMIT' : 'version rows'} failed: ` +
        `${describeDriverError(cause)}. ${connection ? `${hintFor('connection')} Whether it committed is unknown: the next call reads what the version table holds.` : 'Nothing was applied: the whole run was rolled back.'}`,
      cause,
    );
  }
}

/**
 * Whether the step is still to do, against the applied set read under the lock in this unit
 * (`changed`: what this unit has run already, not yet recorded). Throws ConcurrentChangeError
 * when another process moved the database the other way.
 */
async function valid(
  revision: Revision,
  direction: Direction,
  unit: Unit,
  graph: RevisionGraph,
  changed: ReadonlySet<string>,
): Promise<boolean> {
  if (direction === 'up') {
    const applied = await unit.applied([revision.id, ...revision.parents]);
    if (applied.has(revision.id)) return false;
    const gone = revision.parents.find((p) => !applied.has(p) && !changed.has(p));
    if (gone)
      throw new ConcurrentChangeError(revision.id, `its parent "${gone}" is no longer applied (it was reverted)`);
    return true;
  }
  const children = graph.children(revision.id);
  const applied = await unit.applied([revision.id, ...children]);
  if (!applied.has(revision.id) || changed.has(revision.id)) return false;
  const child = children.find((c) => applied.has(c) && !changed.has(c));
  if (child) throw new ConcurrentChangeError(revision.id, `its child "${child}" is applied again`);
  return true;
}

/** Logs a step's start and end (not umzug's events: emitted asynchronously, they cost more than the lines). */
async function logged(
  revision: Revision,
  direction: Direction,
  run: RunContext,
  outcome: RunOutcome,
  work: () => Promise<boolean>,
): Promise<void> {
  const started = performance.now();
  run.logger.info(
    { revision: revision.id, direction },
    `${direction === 'up' ? 'applying' : 'reverting'} revision ${revision.id}${revision.message ? ` (${revision.message})` : ''}`,
  );
  const ran = await tracked(revision.id, direction, run.logger, work);
  (ran ? outcome.ran : outcome.skipped).push(revision.id);
  const durationMs = Math.round(performance.now() - started);
  run.logger.info(
    { revision: revision.id, direction, durationMs, skipped: !ran },
    ran
      ? `${direction === 'up' ? 'applied' : 'reverted'} revision ${revision.id} in ${durationMs} ms`
      : `revision ${revision.id} was already ${direction === 'up' ? 'applied' : 'reverted'} by another instance`,
  );
}

/** The typed error for a unit of `revision` that failed, for whatever reason. */
function failure(error: unknown, revision: Revision, direction: Direction, run: RunContext): UpshiftError {
  if (error instanceof RevisionFailedError)
    return lostDuring(error.cause, revision, direction, run, error.kept ?? 'rolled back') ?? error;
  if (error instanceof ForeignKeyViolationError && run.mode === 'each')
    return new RevisionFailedError(revision.id, direction, error, true);
  if (error instanceof CommitFailure) {
    return (
      lostDuring(error.cause, revision, direction, run, 'commit') ??
      new RevisionFailedError(revision.id, direction, error.cause, true, 'commit')
    );
  }
  return asUpshiftError(
    run.operation,
    `${direction === 'up' ? 'applying' : 'reverting'} revision "${revision.id}"`,
    error,
    revision.id,
  );
}

/** What a lost connection left of the revision in flight, by where it was lost. */
const AFTER_LOSS = {
  commit:
    'The connection was lost during its COMMIT, so whether it committed is unknown: the next call reads the version table, which commits with the revision, and goes on from there.',
  outside:
    'It ran outside a transaction (transaction: false), so some of its statements may have taken effect: inspect the database before running again.',
  // MariaDB/MySQL: its DDL statements committed on their own, each recorded in the progress table with it.
  partly:
    'MariaDB/MySQL committed its DDL statements that ran before the loss, and the progress table records how far it got: run the call again once the database is reachable to resume it after the last one that committed (RevisionNotResumableError says so when it cannot be).',
  'rolled back':
    'Its transaction was rolled back by the server: the database is at the revision before it. Run the call again once the database is reachable.',
} as const;

/**
 * A revision interrupted because the connection was lost is not the revision's fault: it says so,
 * and where that leaves the database. Undefined for any other cause.
 */
function lostDuring(
  cause: unknown,
  revision: Revision,
  direction: Direction,
  run: RunContext,
  /** Where the loss left the revision: see AFTER_LOSS. */
  left: keyof typeof AFTER_LOSS,
): DatabaseError | undefined {
  if (classify(cause) !== 'connection') return undefined;
  const after = AFTER_LOSS[left];
  return new DatabaseError(
    run.operation,
    `${run.operation}() lost its connection while ${direction === 'up' ? 'applying' : 'reverting'} revision "${revision.id}": ${describeDriverError(cause)}. ${hintFor('connection')} ${after}`,
    cause,
    revision.id,
  );
}

function rowOf(revision: Revision, durationMs: number): RecordDetails {
  return {
    id: revision.id,
    parents: revision.parents,
    message: revision.message,
    checksum: checksumOf(revision),
    durationMs,
    appliedBy: instanceName(),
  };
}

/** What running a revision's own code needs: no store, no lock. */
export interface InvokeContext {
  db: Database;
  logger: Logger;
  dialect: RevisionContext['dialect'];
  /** The schema ctx.em gives entities declared with schema '*' (searchPath's first). */
  schema?: string | undefined;
  /** Runs ctx.sql of a revision that has no transaction, where the dialect bounds it. */
  statements?: StatementGuard | undefined;
  /** Runs ctx.sql through the lock's per-statement progress (HeldLock.runStep: MariaDB/MySQL). */
  steps?: StepStatements | undefined;
}

/** Runs a revision's up or down with its context; returns how long it took, in ms. */
export async function invoke(
  revision: Revision,
  direction: Direction,
  trx: Transaction | undefined,
  run: InvokeContext,
): Promise<number> {
  const started = performance.now();
  // The EntityManager and the child logger are made on first use: most revisions only send SQL,
  // and forking an EntityManager for each of 200 revisions is measurable (bench/3-apply).
  let em: EntityManager | undefined;
  let logger: Logger | undefined;
  const ctx: RevisionContext = {
    sql: (text, params = []) => {
      noteStatement(text);
      if (run.steps) return run.steps.sql(text, params) as Promise<never[]>;
      return run.statements && !trx
        ? (run.statements.run(text, params) as Promise<never[]>)
        : run.db.query(text, params, trx);
    },
    get em() {
      run.steps?.usesEntityManager();
      return (em ??= run.db.entityManager(trx, run.schema));
    },
    get logger() {
      return (logger ??= run.logger.child({ revision: revision.id }));
    },
    dialect: run.dialect,
  };
  try {
    await (direction === 'up' ? revision.up : revision.down!)(ctx);
    // What a data migration persisted but did not flush belongs to the revision too.
    if (em) await em.flush();
  } catch (error) {
    // A statement run by the DDL guard that never got its lock: typed as such, named by the guard.
    if (error instanceof DdlLockTimeoutError) throw error;
    // Statements that committed on their own (DDL on MariaDB/MySQL) are not rolled back.
    if (run.steps?.committedSome) throw new RevisionFailedError(revision.id, direction, error, false, 'run', 'partly');
    throw new RevisionFailedError(revision.id, direction, error, trx !== undefined);
  }
  return performance.now() - started;
}

/**
 * One revision's up or down on its own, with no version row and no lock: how upshift/dev replays
 * revisions in its private shadow database, where nobody else runs and the order is its own. A
 * dangling reference left by a revision that ran with foreign keys off fails that revision.
 */
export async function runAlone(
  revision: Revision,
  direction: Direction,
  context: { db: Database; logger: Logger; dialect: Dialect },
): Promise<void> {
  const run = { db: context.db, logger: context.logger, dialect: context.dialect.name };
  try {
    await context.dialect.runAlone((trx) => invoke(revision, direction, trx, run), {
      transaction: revision.transaction,
      foreignKeysOff: revision.disableForeignKeys ? [revision.id] : [],
    });
  } catch (error) {
    if (error instanceof ForeignKeyViolationError) throw new RevisionFailedError(revision.id, direction, error, true);
    throw error;
  }
}
