import { UnknownTargetError } from './errors.ts';
import type { Revision } from './revision.ts';
import type { RevisionGraph } from './revision-graph.ts';

/**
 * Turns a target and the applied set into the revisions to run, in the order to run them.
 * Pure, like the graph: the Migrator computes a plan before the lock (to know whether it needs
 * one) and again after it (because another instance may have moved the database meanwhile).
 *
 * Targets: `head`, `heads`, `base`, a full id, a unique id prefix, `+N` (upgrade), `-N` (downgrade).
 */

const RELATIVE = /^([+-])(\d+)$/;

/**
 * Checks a target against the bundle alone, so a typo fails before any statement is sent.
 * (Whether the target makes sense for the database, e.g. "-3" with two applied, is for the plan.)
 */
export function validateTarget(graph: RevisionGraph, target: unknown, operation: 'upgrade' | 'downgrade'): string {
  if (typeof target !== 'string' || target === '') {
    throw new UnknownTargetError(String(target), `${operation}() takes a target string: "head", "heads", "base", an id, an id prefix or a relative step.`);
  }
  const relative = RELATIVE.exec(target);
  if (relative) {
    const wanted = operation === 'upgrade' ? '+' : '-';
    if (relative[1] !== wanted) throw new UnknownTargetError(target, `${operation}() takes relative steps as "${wanted}N".`);
    return target;
  }
  if (target === 'head') graph.head();
  else if (target !== 'heads' && target !== 'base') graph.resolveId(target);
  return target;
}

/** The revisions upgrade(target) applies, parents first. */
export function upgradePlan(graph: RevisionGraph, applied: ReadonlySet<string>, target = 'heads'): Revision[] {
  const relative = RELATIVE.exec(target);
  if (relative) {
    if (relative[1] === '-') throw new UnknownTargetError(target, 'a relative step down is a downgrade target; upgrade takes "+N".');
    const all = pending(graph, graph.order.map((r) => r.id), applied);
    return all.slice(0, checkedSteps(target, Number(relative[2]), all.length, 'pending'));
  }
  return pending(graph, upgradeGoal(graph, target), applied);
}

/** The revisions downgrade(target) reverts, children first. */
export function downgradePlan(graph: RevisionGraph, applied: ReadonlySet<string>, target: string): Revision[] {
  const knownApplied = graph.order.filter((r) => applied.has(r.id));
  const relative = RELATIVE.exec(target);
  if (relative) {
    if (relative[1] === '+') throw new UnknownTargetError(target, 'a relative step up is an upgrade target; downgrade takes "-N".');
    // The last N in topological order: any applied descendant of one of them comes later in that
    // order, so it is reverted too, and the database stays closed under "parents are applied".
    const steps = checkedSteps(target, Number(relative[2]), knownApplied.length, 'applied');
    return knownApplied.slice(knownApplied.length - steps).reverse();
  }
  if (target === 'base') return knownApplied.reverse();
  if (target === 'heads' || target === 'head') {
    if (target === 'head') graph.head();
    return [];
  }
  const id = graph.resolveId(target);
  if (!applied.has(id)) {
    throw new UnknownTargetError(target, `revision "${id}" is not applied, so there is nothing to downgrade to; upgrade to it instead.`);
  }
  // Alembic's rule: revert what descends from the target, leave other branches alone.
  const remove = graph.descendants([id]);
  remove.delete(id);
  return knownApplied.filter((r) => remove.has(r.id)).reverse();
}

/** The exact set of ids stamp(target) leaves recorded. */
export function stampSet(graph: RevisionGraph, target: string): Set<string> {
  if (RELATIVE.test(target)) throw new UnknownTargetError(target, 'stamp takes an absolute target (an id, "head", "heads" or "base").');
  if (target === 'base') return new Set();
  return graph.ancestors(upgradeGoal(graph, target));
}

/** The ids whose ancestors an absolute upgrade target asks for. */
function upgradeGoal(graph: RevisionGraph, target: string): string[] {
  if (target === 'heads') return graph.heads();
  if (target === 'head') {
    const head = graph.head();
    return head === undefined ? [] : [head];
  }
  if (target === 'base') return [];
  return [graph.resolveId(target)];
}

/** A relative step past the end is refused, not clamped: "-5" must not quietly mean "base". */
function checkedSteps(target: string, steps: number, available: number, what: string): number {
  if (steps > available) {
    throw new UnknownTargetError(target, `only ${available} bundled revision(s) are ${what}.`);
  }
  return steps;
}

function pending(graph: RevisionGraph, goal: readonly string[], applied: ReadonlySet<string>): Revision[] {
  const needed = graph.ancestors(goal);
  return graph.order.filter((r) => needed.has(r.id) && !applied.has(r.id));
}
