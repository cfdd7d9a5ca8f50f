import { adoptMikroOrmHistory } from '../adopt.ts';
import { baselineExisting } from '../baseline.ts';
import { recordedNotRun } from '../recorded.ts';
import { squashView } from '../squash.ts';
import type { HeldLock } from '../dialect/dialect.ts';
import { refreshState, withLock } from '../locked.ts';
import { upgradePlan, validateTarget } from '../plan.ts';
import { admit } from '../policy.ts';
import type { UpgradeResult } from '../results.ts';
import { runPlan } from '../runner.ts';
import { runContext } from './run-context.ts';
import type { Runtime } from '../runtime.ts';
import { afterRun, analyze, type DatabaseState } from '../state.ts';
import { appliedDigest } from '../state-row.ts';
import type { AppliedKeys, AppliedRevision } from '../store.ts';
import { preloadUmzug } from '../umzug-adapter.ts';
import { readAgainIfLost } from '../read-again.ts';

/**
 * upgrade(target): brings the database to the target (default: every bundled revision).
 *
 * 1. The boot path: one statement, the state row, compared with the bundle's digest. Equal:
 *    nothing is pending, unknown or edited; done, with no lock and no module imported.
 * 2. Otherwise: the declared modules are imported, the applied set read, the state judged
 *    (policy.ts), and the plan made. Nothing pending: done (the state row written again if it
 *    was missing or stale).
 * 3. The lock. While waiting, the waiting connection polls whether another instance has done
 *    the work, and the wait ends when it has.
 * 4. Under the lock: the applied set read again, the state judged again, the plan made again
 *    from it, and run (runner.ts), each unit re-validating its step.
 */
export async function upgrade(rt: Runtime, target = 'heads'): Promise<UpgradeResult> {
  const started = performance.now();
  if (target !== 'heads') validateTarget(rt.bundle.graph, target, 'upgrade');
  const stored = await readAgainIfLost(() => rt.dialect.readStateDigest(rt.digestKind));
  // The boot path of every replica; kept apart from the rest, in a function this small.
  if (target === 'heads' && stored === rt.bundle.digest(rt.digestKind)) {
    return { applied: [], skipped: [], current: rt.bundle.graph.heads(), durationMs: elapsed(started) };
  }
  return upgradeFully(rt, target, stored, started);
}

async function upgradeFully(
  rt: Runtime,
  target: string,
  stored: string | undefined,
  started: number,
): Promise<UpgradeResult> {
  await rt.bundle.load(() => rt.logger);
  const store = await rt.store();
  const rows = rowsOf(rt, await store.readKeys(rt.options.checksums !== 'off')) ?? (await store.readApplied());
  // Rows of revisions a squashed one replaces count as that one (squash.ts); they are converted under the lock.
  const view = squashView(rt.bundle.graph, rows);
  const before = judge(rt, analyze(rt.bundle.graph, view.rows), target);
  if (before.pending.length === 0 && !view.conversion) {
    // Nothing to run, yet the state row did not vouch for the bundle. Either the table is not
    // exactly the bundle (a newer release's rows, edited checksums), and the row says so too; or
    // the row is missing (a killed run; a hand edit, whose trigger deleted it) or stale: only
    // then is it written again, so that the next boot is one short read.
    if (stored !== appliedDigest(rows, rt.options.checksums !== 'off')) await refreshState(rt, { createMissing: true });
    return { applied: [], skipped: [], current: before.state.current, durationMs: elapsed(started) };
  }
  const outcome = await withLock(
    rt,
    'upgrade',
    (lock) => applyUnderLock(rt, lock, target, rows),
    // A replica that waits stops as soon as the holder has done everything it came for.
    async (read) => {
      const keys = await store.readKeys(rt.options.checksums !== 'off', read);
      const state = analyze(rt.bundle.graph, rowsOf(rt, keys) ?? (await store.readApplied()));
      return upgradePlan(rt.bundle.graph, new Set(state.rows.keys()), target).length === 0 ? state : undefined;
    },
  );
  const { ran, current } = 'value' in outcome ? outcome.value : { ran: [], current: outcome.abandoned.current };
  // What was pending when this call started and it did not apply, another instance applied.
  const done = new Set(ran);
  const skipped = before.pending.filter((id) => !done.has(id));
  const durationMs = elapsed(started);
  rt.logger.info(
    { applied: ran, skipped, current, durationMs },
    `upgrade done: ${ran.length} revision(s) applied in ${durationMs} ms; database at ${current.join(', ') || 'base'}`,
  );
  return { applied: ran, skipped, current, durationMs };
}

async function applyUnderLock(
  rt: Runtime,
  lock: HeldLock,
  target: string,
  readBefore: AppliedRevision[],
): Promise<{ ran: string[]; current: string[] }> {
  preloadUmzug();
  let rows = await lock.readApplied(readBefore);
  // The first boot against a database @mikro-orm/migrations managed: its history is recorded first.
  // Or a database that has the app's tables but no history: a bundled baseline is recorded.
  if (rows.length === 0) rows = (await adoptMikroOrmHistory(rt, lock)) ?? (await baselineExisting(rt, lock)) ?? rows;
  if (squashView(rt.bundle.graph, rows).conversion) rows = await convertSquashed(rt, lock);
  const { state, pending } = judge(rt, analyze(rt.bundle.graph, rows), target, true);
  const graph = rt.bundle.graph;
  const { ran } = await runPlan(
    'up',
    pending.map((id) => graph.get(id)!),
    [...state.rows.keys()],
    runContext(rt, lock, 'upgrade'),
  );
  return { ran, current: afterRun(graph, state, ran, 'up') };
}

/**
 * Replaced rows become the squashed revision's row, in one unit under the lock: decided again from
 * the rows read in that unit, so a replica that converted first leaves this one nothing to do.
 */
async function convertSquashed(rt: Runtime, lock: HeldLock): Promise<AppliedRevision[]> {
  return lock.unit(async (unit) => {
    const { rows, conversion } = squashView(rt.bundle.graph, await unit.rows());
    if (!conversion) return rows;
    await unit.unrecord(conversion.unrecord);
    await unit.record(
      conversion.record.map((revision) =>
        recordedNotRun(revision, `squash of ${revision.replaces!.length} applied revisions`),
      ),
    );
    rt.logger.info(
      { squashed: conversion.record.map((r) => r.id), replaced: conversion.unrecord.length },
      'recorded squashed revision(s) in place of the applied revisions they replace; nothing run',
    );
    return rows;
  });
}

/** The state, checked against the app's policies, and what the target still needs. */
function judge(
  rt: Runtime,
  state: DatabaseState,
  target: string,
  quiet = false,
): { state: DatabaseState; pending: string[] } {
  const pending = upgradePlan(rt.bundle.graph, new Set(state.rows.keys()), target).map((r) => r.id);
  admit(state, 'upgrade', pending, rt.options, rt.logger, quiet);
  return { state, pending };
}

/** The rows behind the aggregated keys, when every key names a bundled revision (see AppliedKeys). */
function rowsOf(rt: Runtime, keys: AppliedKeys): AppliedRevision[] | undefined {
  return keys.rows((id) => rt.bundle.graph.get(id)?.parents);
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
