import { DatabaseAheadError } from '../errors.ts';
import { withLock } from '../locked.ts';
import { downgradePlan, validateTarget } from '../plan.ts';
import { admit } from '../policy.ts';
import type { DowngradeResult } from '../results.ts';
import type { Revision } from '../revision.ts';
import { runPlan } from '../runner.ts';
import { runContext } from './run-context.ts';
import type { Runtime } from '../runtime.ts';
import { afterRun, analyze, type DatabaseState } from '../state.ts';

/**
 * downgrade(target): reverts to the target ("-N", "base", an applied id or prefix: what descends
 * from it is reverted, Alembic's rule). The target is checked against the bundle before any
 * statement; the plan is made from the applied set read before the lock (nothing to do: no
 * lock), then again under it, and run, each unit re-validating its step.
 */
export async function downgrade(rt: Runtime, target: string): Promise<DowngradeResult> {
  const started = performance.now();
  validateTarget(rt.bundle.graph, target, 'downgrade');
  await rt.bundle.load(() => rt.logger);
  const store = await rt.store();
  const before = analyze(rt.bundle.graph, await store.readApplied());
  admit(before, 'downgrade', [], rt.options, rt.logger);
  if (planFor(rt, before, target).length === 0)
    return { reverted: [], skipped: [], current: before.current, durationMs: elapsed(started) };
  const outcome = await withLock(rt, 'downgrade', async (lock) => {
    const state = analyze(rt.bundle.graph, await lock.readApplied());
    admit(state, 'downgrade', [], rt.options, rt.logger, true);
    const run = await runPlan(
      'down',
      planFor(rt, state, target),
      [...state.rows.keys()],
      runContext(rt, lock, 'downgrade'),
    );
    return { ...run, current: afterRun(rt.bundle.graph, state, run.ran, 'down') };
  });
  // Without a whileWaiting, the lock is always taken: the outcome is always the work's.
  const { ran, skipped, current } = (outcome as { value: { ran: string[]; skipped: string[]; current: string[] } })
    .value;
  const durationMs = elapsed(started);
  rt.logger.info(
    { reverted: ran, current, durationMs },
    `downgrade done: ${ran.length} revision(s) reverted in ${durationMs} ms; database at ${current.join(', ') || 'base'}`,
  );
  return { reverted: ran, skipped, current, durationMs };
}

/** The revisions to revert, never one that a newer release's revisions are built on. */
function planFor(rt: Runtime, state: DatabaseState, target: string): Revision[] {
  const plan = downgradePlan(rt.bundle.graph, state.rows, target);
  if (state.relation === 'ahead') {
    const reverted = new Set(plan.map((r) => r.id));
    const blocked = state.unknown.filter((id) => state.rows.get(id)!.parents.some((p) => reverted.has(p)));
    if (blocked.length > 0) throw new DatabaseAheadError(blocked, 'downgrade');
  }
  return plan;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
