import type { EntityManager, Transaction } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { checksumOf } from './checksum.ts';
import type { Database } from './database.ts';
import type { Dialect, HeldLock } from './dialect/dialect.ts';
import { assertNoForeignKeyViolations, foreignKeysOffFor, withForeignKeysOff } from './dialect/sqlite-foreign-keys.ts';
import { IrreversibleRevisionError, RevisionFailedError, UpshiftError } from './errors.ts';
import { instanceName } from './instance.ts';
import type { Revision, RevisionContext } from './revision.ts';
import type { RecordDetails, Store } from './store.ts';
import { requireLeanUmzug, type UmzugModule } from './umzug-loader.ts';

export type Direction = 'up' | 'down';
export type TransactionMode = 'each' | 'all';

export interface RunnerDeps {
  db: Database;
  dialect: Dialect;
  store: Store;
  lock: HeldLock;
  logger: Logger;
  mode: TransactionMode;
}

export interface RunOutcome {
  /** Ids this process ran, in order. */
  ran: string[];
  /** Ids another instance ran meanwhile (SQLite re-checks each one under the write lock). */
  skipped: string[];
}

/**
 * Runs a plan through umzug. umzug calls `up()` and then `storage.logMigration()` as two
 * separate steps, which cannot be atomic; so each umzug step here does the whole unit itself:
 * the revision and its version row in one transaction ('each'), or inside the one transaction of
 * the run ('all'). The storage handed to umzug only reports what is applied.
 */
export async function runPlan(direction: Direction, plan: readonly Revision[], applied: ReadonlySet<string>, deps: RunnerDeps): Promise<RunOutcome> {
  if (direction === 'down') {
    const irreversible = plan.find((r) => !r.down);
    if (irreversible) throw new IrreversibleRevisionError(irreversible.id);
  }
  const outcome: RunOutcome = { ran: [], skipped: [] };
  if (plan.length === 0) return outcome;
  const { db, lock, mode } = deps;
  if (mode === 'all') {
    // SQLite: one revision of the run that needs foreign keys off turns them off for the whole
    // transaction; the references are checked once, before its COMMIT.
    const fkOff = foreignKeysOffFor(plan, deps.dialect.name);
    const whole = (checkReferences: boolean) => db.transaction(async (trx) => {
      // A transaction-scoped lock starts now: what is applied must be read under it.
      const current = lock.scope === 'transaction' ? new Set((await deps.store.readApplied(trx)).map((r) => r.id)) : applied;
      const steps = plan.filter((r) => (direction === 'up') !== current.has(r.id));
      outcome.skipped.push(...plan.filter((r) => !steps.includes(r)).map((r) => r.id));
      // The version rows are written together after the last revision: the same transaction
      // commits them with the revisions' work, so none can be committed without the other.
      const durations = new Map<Revision, number>();
      await viaUmzug(direction, steps, applied, deps, async (r) => {
        lock.assertHeld(); // a lock connection known to be gone stops the run now, not at commit
        durations.set(r, await invoke(r, direction, trx, deps));
        return true;
      }, outcome);
      if (steps.length === 0) return;
      if (direction === 'up') await deps.store.recordMany(trx, [...durations].map(([r, durationMs]) => rowOf(r, durationMs)));
      else await deps.store.unrecordMany(trx, [...durations.keys()].map((r) => r.id));
      if (checkReferences) await assertNoForeignKeyViolations(db, trx, fkOff);
      // The one check that counts in a long transaction: a fresh look just before commit.
      await lock.confirm(trx);
    }, () => lock.begin());
    await (fkOff.length > 0 ? withForeignKeysOff(db, fkOff, whole) : whole(false));
  } else {
    await viaUmzug(direction, plan, applied, deps, (r) => runOwnUnit(r, direction, deps), outcome);
  }
  return outcome;
}

let umzug: UmzugModule | undefined;

/**
 * umzug is loaded on first use, when there is a revision to run, and without its CLI or glob
 * support (see umzug-loader.ts): a replica whose boot finds nothing to do never loads it, not
 * even one that takes the lock only to find that another instance did the work.
 */
export function loadUmzug(): UmzugModule {
  return (umzug ??= requireLeanUmzug());
}

/**
 * Loads umzug in the background, for a caller that holds the lock and has revisions to run: the
 * load (5–15 ms) then overlaps the round trips before the first revision instead of following
 * them, while every other replica waits. Not sooner: a replica that waits for the lock may find
 * the work done and should not spend the CPU. A failure here is left to runPlan's own load.
 */
export function preloadUmzug(): void {
  if (umzug) return;
  setImmediate(() => {
    try {
      loadUmzug();
    } catch {
      // runPlan loads it again and reports the error there.
    }
  });
}

/** Returns false when another instance had already done this step. */
type Step = (revision: Revision) => Promise<boolean>;

async function viaUmzug(direction: Direction, plan: readonly Revision[], applied: ReadonlySet<string>, deps: RunnerDeps, step: Step, outcome: RunOutcome): Promise<void> {
  const { MigrationError, Umzug } = loadUmzug();
  // Each step logs its own start and end, rather than umzug's migrating/migrated events: those
  // are emitted asynchronously (emittery), and listening to them cost more than the logging.
  const logged = async (r: Revision) => {
    const started = performance.now();
    deps.logger.info({ revision: r.id, direction }, `${direction === 'up' ? 'applying' : 'reverting'} revision ${r.id}${r.message ? ` (${r.message})` : ''}`);
    const ran = await step(r);
    (ran ? outcome.ran : outcome.skipped).push(r.id);
    const durationMs = Math.round(performance.now() - started);
    deps.logger.info({ revision: r.id, direction, durationMs, skipped: !ran }, ran
      ? `${direction === 'up' ? 'applied' : 'reverted'} revision ${r.id} in ${durationMs} ms`
      : `revision ${r.id} was already ${direction === 'up' ? 'applied' : 'reverted'} by another instance`);
  };
  const runner = new Umzug<object>({
    migrations: plan.map((r) => ({ name: r.id, up: () => logged(r), down: () => logged(r) })),
    context: {},
    storage: {
      executed: async () => [...applied],
      // The step wrote (or removed) the version row inside its own transaction already.
      logMigration: async () => undefined,
      unlogMigration: async () => undefined,
    },
    logger: undefined, // upshift logs through the app's pino logger only
  });
  const names = plan.map((r) => r.id);
  try {
    if (direction === 'up') await runner.up({ migrations: names });
    else await runner.down({ migrations: names });
  } catch (error) {
    // umzug wraps what a step throws; the step already threw the error that explains itself.
    if (error instanceof MigrationError && error.cause instanceof UpshiftError) throw error.cause;
    throw error;
  }
}

/** 'each' mode: one revision, its own unit of work. */
async function runOwnUnit(revision: Revision, direction: Direction, deps: RunnerDeps): Promise<boolean> {
  const { db, lock, store } = deps;
  lock.assertHeld();
  if (runsOutsideTransaction(revision, deps.dialect.name)) {
    // Outside any transaction (CREATE INDEX CONCURRENTLY): the statements cannot be rolled back,
    // so the version row follows them; a crash in between re-runs the revision next time.
    const durationMs = await invoke(revision, direction, undefined, deps);
    lock.assertHeld();
    await db.transaction((trx) => writeRow(revision, direction, trx, deps, durationMs), () => lock.begin());
    return true;
  }
  const fkOff = foreignKeysOffFor([revision], deps.dialect.name);
  const unit = (checkReferences: boolean) => db.transaction(async (trx) => {
    if (lock.scope === 'transaction' && (await store.isApplied(trx, revision.id)) === (direction === 'up')) return false;
    const durationMs = await invoke(revision, direction, trx, deps);
    if (checkReferences) await checkedReferences(revision, direction, trx, deps);
    await writeRow(revision, direction, trx, deps, durationMs);
    return true;
  }, () => lock.begin());
  return fkOff.length > 0 ? withForeignKeysOff(db, fkOff, unit) : unit(false);
}

/** A dangling reference left by a revision that ran with foreign keys off fails that revision. */
async function checkedReferences(revision: Revision, direction: Direction, trx: Transaction, deps: InvokeDeps): Promise<void> {
  try {
    await assertNoForeignKeyViolations(deps.db, trx, [revision.id]);
  } catch (error) {
    throw new RevisionFailedError(revision.id, direction, error, true);
  }
}

/**
 * `transaction: false` (CREATE INDEX CONCURRENTLY) runs outside a transaction on PostgreSQL.
 * SQLite has nothing that needs it, and a transaction there is what takes the write lock.
 */
function runsOutsideTransaction(revision: Revision, dialect: Dialect['name']): boolean {
  return !revision.transaction && dialect !== 'sqlite';
}

/** What running a revision's own code needs: no store, no lock. */
export interface InvokeDeps {
  db: Database;
  logger: Logger;
  dialect: Pick<Dialect, 'name'>;
}

/**
 * One revision's up or down on its own, in a transaction unless it runs outside one, with no
 * version row and no lock: how upshift/dev replays revisions in its private shadow database,
 * where nobody else runs and the order is its own.
 */
export async function runAlone(revision: Revision, direction: Direction, deps: InvokeDeps): Promise<void> {
  if (runsOutsideTransaction(revision, deps.dialect.name)) {
    await invoke(revision, direction, undefined, deps);
    return;
  }
  const fkOff = foreignKeysOffFor([revision], deps.dialect.name);
  const unit = (checkReferences: boolean) => deps.db.transaction(async (trx) => {
    await invoke(revision, direction, trx, deps);
    if (checkReferences) await checkedReferences(revision, direction, trx, deps);
  });
  await (fkOff.length > 0 ? withForeignKeysOff(deps.db, fkOff, unit) : unit(false));
}

/** One revision's version row, written under the lock's fence. */
async function writeRow(revision: Revision, direction: Direction, trx: Transaction, deps: RunnerDeps, durationMs: number): Promise<void> {
  if (direction === 'down') return deps.store.unrecord(trx, deps.lock, revision.id);
  await deps.store.record(trx, deps.lock, rowOf(revision, durationMs));
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

/** Runs a revision's up or down with its context; returns how long it took, in ms. */
async function invoke(revision: Revision, direction: Direction, trx: Transaction | undefined, deps: InvokeDeps): Promise<number> {
  const started = performance.now();
  // The EntityManager and the child logger are made on first use: most revisions only send SQL,
  // and forking an EntityManager for each of 200 revisions is measurable (bench/3-apply).
  let em: EntityManager | undefined;
  let logger: Logger | undefined;
  const ctx: RevisionContext = {
    sql: (text, params = []) => deps.db.query(text, params, trx),
    get em() {
      return (em ??= deps.db.entityManager(trx));
    },
    get logger() {
      return (logger ??= deps.logger.child({ revision: revision.id }));
    },
    dialect: deps.dialect.name,
  };
  try {
    await (direction === 'up' ? revision.up : revision.down!)(ctx);
    // What a data migration persisted but did not flush belongs to the revision too.
    if (em) await em.flush();
  } catch (error) {
    throw new RevisionFailedError(revision.id, direction, error, trx !== undefined);
  }
  return performance.now() - started;
}
