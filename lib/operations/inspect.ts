import { ChecksumMismatchError } from '../errors.ts';
import { upgradePlan } from '../plan.ts';
import { effectiveRelation, warnEdited } from '../policy.ts';
import type { HistoryEntry, Status } from '../results.ts';
import type { Runtime } from '../runtime.ts';
import { analyze } from '../state.ts';

/** Reads that take no lock and change nothing: where the database stands against the bundle. */

export async function current(rt: Runtime): Promise<string[]> {
  await rt.bundle.load(() => rt.logger);
  return analyze(rt.bundle.graph, await (await rt.store()).readApplied()).current;
}

export async function history(rt: Runtime): Promise<HistoryEntry[]> {
  await rt.bundle.load(() => rt.logger);
  const graph = rt.bundle.graph;
  const { rows } = analyze(graph, await (await rt.store()).readApplied(undefined, { withAppliedAt: true }));
  const heads = new Set(graph.heads());
  return graph.order.map((r) => ({
    id: r.id,
    parents: [...r.parents],
    message: r.message,
    createdAt: r.createdAt,
    isHead: heads.has(r.id),
    applied: rows.has(r.id),
    appliedAt: rows.get(r.id)?.appliedAt ?? null,
  }));
}

/** Reports what it finds rather than throwing (checksums: "error" aside, which asks to be told loudly). */
export async function status(rt: Runtime): Promise<Status> {
  await rt.bundle.load(() => rt.logger);
  const graph = rt.bundle.graph;
  const state = analyze(graph, await (await rt.store()).readApplied());
  const pending = upgradePlan(graph, new Set(state.rows.keys())).map((r) => r.id);
  const { checksums } = rt.options;
  if (state.edited.length > 0 && checksums === 'warn') warnEdited(rt.logger, state.edited);
  if (state.edited.length > 0 && checksums === 'error') throw new ChecksumMismatchError(state.edited);
  const relation = effectiveRelation(state, pending, rt.options);
  return {
    upToDate: pending.length === 0 && relation !== 'diverged',
    current: state.current,
    heads: graph.heads(),
    pending,
    unknown: state.unknown,
    edited: checksums === 'off' ? [] : state.edited,
    relation,
  };
}
