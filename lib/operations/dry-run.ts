import type { EntityManager, Transaction } from '@mikro-orm/core';
import { CLEANUP_MS, within } from '../deadline.ts';
import { classify, describeDriverError, hintFor } from '../driver-errors.ts';
import { DatabaseError, IrreversibleRevisionError, RevisionFailedError, UpshiftError } from '../errors.ts';
import { inlineParams, type SqlFlavor } from '../offline/inline.ts';
import { downgradePlan, upgradePlan, validateTarget } from '../plan.ts';
import { admit } from '../policy.ts';
import type { DryRunResult, DryRunRevision } from '../results.ts';
import type { Revision, RevisionContext } from '../revision.ts';
import type { Runtime } from '../runtime.ts';
import { analyze } from '../state.ts';

/**
 * upgrade/downgrade with { dryRun: true }: under the lock, every revision the call would run, in
 * one transaction that is always rolled back; upshift writes no version row and no table. What
 * each revision sent and how long it took is returned. A `transaction: false` revision cannot be
 * rolled back, so it is listed and not run (the ones after it then run without its effect).
 */
export async function dryRun(rt: Runtime, direction: 'up' | 'down', target: string): Promise<DryRunResult> {
  const started = performance.now();
  const operation = direction === 'up' ? 'upgrade' : 'downgrade';
  validateTarget(rt.bundle.graph, target, operation);
  await rt.bundle.load(() => rt.logger);
  const store = await rt.store();
  const outcome = await underLockOnly(rt, operation, async () => {
    // Read before the transaction: on PostgreSQL a missing version table (a first deploy) would
    // abort it. Then one transaction, always rolled back, for every revision of the plan.
    const state = analyze(rt.bundle.graph, await store.readApplied());
    const trx = await rt.db.begin();
    try {
      const plan =
        direction === 'up'
          ? upgradePlan(rt.bundle.graph, new Set(state.rows.keys()), target)
          : downgradePlan(rt.bundle.graph, state.rows, target);
      admit(state, operation, direction === 'up' ? plan.map((r) => r.id) : [], rt.options, rt.logger, true);
      if (direction === 'down') {
        const irreversible = plan.find((r) => !r.down);
        if (irreversible) throw new IrreversibleRevisionError(irreversible.id);
      }
      return { revisions: await rehearse(rt, plan, direction, trx), current: state.current };
    } finally {
      await rt.db.rollback(trx);
    }
  });
  const { revisions, current } = outcome;
  return { dryRun: true, direction, revisions, current, durationMs: Math.round(performance.now() - started) };
}

async function rehearse(
  rt: Runtime,
  plan: readonly Revision[],
  direction: 'up' | 'down',
  trx: Transaction,
): Promise<DryRunRevision[]> {
  const out: DryRunRevision[] = [];
  for (const revision of plan) {
    if (!revision.transaction && rt.dialect.runsOutsideTransactions) {
      out.push({
        id: revision.id,
        message: revision.message,
        run: false,
        reason: 'transaction: false (cannot be rolled back)',
        statements: [],
        durationMs: 0,
      });
      continue;
    }
    const statements: string[] = [];
    const began = performance.now();
    let em: EntityManager | undefined;
    const ctx: RevisionContext = {
      sql: (text, params = []) => {
        // Dry runs are refused on MariaDB/MySQL before this point (Dialect.refuses).
        statements.push(shown(text, params, rt.dialect.name as SqlFlavor));
        return rt.db.query(text, params, trx);
      },
      get em() {
        return (em ??= rt.db.entityManager(trx, rt.options.searchPath?.[0]));
      },
      logger: rt.logger.child({ revision: revision.id, dryRun: true }),
      dialect: rt.dialect.name,
    };
    try {
      await (direction === 'up' ? revision.up : revision.down!)(ctx);
      if (em) await em.flush();
    } catch (error) {
      if (error instanceof UpshiftError) throw error;
      if (classify(error) === 'connection')
        throw new DatabaseError(
          direction === 'up' ? 'upgrade' : 'downgrade',
          `the dry run lost its connection during revision "${revision.id}": ${describeDriverError(error)}. ${hintFor('connection')} Nothing was changed: a dry run is always rolled back.`,
          error,
          revision.id,
        );
      throw new RevisionFailedError(revision.id, direction, error, true);
    }
    out.push({
      id: revision.id,
      message: revision.message,
      run: true,
      statements,
      durationMs: Math.round(performance.now() - began),
    });
  }
  return out;
}

/**
 * The lock around work that writes nothing: acquire, work, release (bounded, always). Unlike
 * withLock() it does not write the state row afterwards: nothing changed, and writing it would
 * create upshift's tables in a database that has none.
 */
async function underLockOnly<T>(rt: Runtime, operation: string, work: () => Promise<T>): Promise<T> {
  const got = await rt.dialect.acquire<never>({ operation, timeoutMs: rt.options.lockTimeoutMs, logger: rt.logger });
  if (!('lock' in got)) throw new Error('the lock was abandoned without a whileWaiting reader');
  try {
    return await work();
  } finally {
    await within(got.lock.release(), CLEANUP_MS, () => new Error('release timed out')).catch(() => undefined);
  }
}

/** A statement as the report shows it: parameters inlined, or listed when they cannot be. */
function shown(text: string, params: readonly unknown[], flavor: SqlFlavor): string {
  try {
    return inlineParams(text, params, flavor);
  } catch {
    return `${text} -- parameters: ${JSON.stringify(params)}`;
  }
}
