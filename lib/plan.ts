import { UnknownTargetError } from './errors.ts';
import { resolveFrom, STEP, stepsDown, stepsUp, type Applied } from './relative-step.ts';
import type { Revision } from './revision.ts';
import type { RevisionGraph } from './revision-graph.ts';

/**
 * Turns a target and the applied set into the revisions to run, in the order to run them.
 * Pure, like the graph: the Migrator computes a plan before the lock (to know whether it needs
 * one) and again after it (because another instance may have moved the database meanwhile).
 *
 * Targets: `head`, `heads`, `base`, a full id, a unique id prefix, `+N` (upgrade), `-N`
 * (downgrade), `<id>+N`, `<id>-N`, `head-N` (see relative-step.ts).
 */

export type Operation = 'upgrade' | 'downgrade' | 'stamp';

/** A target checked against the bundle: a step from the database, or a keyword or full id. */
export type ResolvedTarget = { step: '+' | '-'; count: number } | { absolute: string };

/**
 * Checks a target against the bundle alone, so a typo fails before any statement is sent, and
 * resolves what the bundle alone decides (prefixes, `<id>±N`, `head-N`) to a full id.
 * (Whether the target makes sense for the database, e.g. "-3" with two applied, is for the plan.)
 */
export function resolveTarget(graph: RevisionGraph, target: unknown, operation: Operation): ResolvedTarget {
  if (typeof target !== 'string' || target === '') {
    throw new UnknownTargetError(
      String(target),
      `${operation}() takes a target string: "head", "heads", "base", an id, an id prefix or a relative step.`,
    );
  }
  const relative = STEP.exec(target);
  if (relative) {
    const sign = relative[1] as '+' | '-';
    if (operation === 'stamp')
      throw new UnknownTargetError(
        target,
        'stamp takes an absolute target (an id, "<id>+N", "<id>-N", "head-N", "head", "heads" or "base").',
      );
    if (operation === 'upgrade' && sign === '-')
      throw new UnknownTargetError(target, 'a relative step down is a downgrade target; upgrade takes "+N".');
    if (operation === 'downgrade' && sign === '+')
      throw new UnknownTargetError(target, 'a relative step up is an upgrade target; downgrade takes "-N".');
    return { step: sign, count: Number(relative[2]) };
  }
  if (target === 'heads' || target === 'base') return { absolute: target };
  if (target === 'head') {
    graph.head();
    return { absolute: target };
  }
  return { absolute: resolveFrom(graph, target) ?? graph.resolveId(target) };
}

/** resolveTarget() for the Migrator's early check: the target as given, or a typed error. */
export function validateTarget(graph: RevisionGraph, target: unknown, operation: 'upgrade' | 'downgrade'): string {
  resolveTarget(graph, target, operation);
  return target as string;
}

/** The revisions upgrade(target) applies, parents first. */
export function upgradePlan(graph: RevisionGraph, applied: ReadonlySet<string>, target = 'heads'): Revision[] {
  const resolved = resolveTarget(graph, target, 'upgrade');
  if ('step' in resolved) return stepsUp(graph, applied, target, resolved.count);
  const needed = graph.ancestors(targetRevisions(graph, resolved.absolute));
  return graph.order.filter((r) => needed.has(r.id) && !applied.has(r.id));
}

/**
 * The revisions downgrade(target) reverts, children first. `applied` may be the version rows:
 * their stored parents tell which bundled revisions a newer release's revisions build on.
 */
export function downgradePlan(graph: RevisionGraph, applied: Applied, target: string): Revision[] {
  const resolved = resolveTarget(graph, target, 'downgrade');
  if ('step' in resolved) return stepsDown(graph, applied, target, resolved.count);
  const knownApplied = graph.order.filter((r) => applied.has(r.id));
  const id = resolved.absolute;
  if (id === 'base') return knownApplied.reverse();
  if (id === 'heads' || id === 'head') return [];
  if (!applied.has(id)) {
    throw new UnknownTargetError(
      target,
      `revision "${id}" is not applied, so there is nothing to downgrade to; upgrade to it instead.`,
    );
  }
  // Alembic's rule: revert what descends from the target, leave other branches alone.
  const remove = graph.descendants([id]);
  remove.delete(id);
  return knownApplied.filter((r) => remove.has(r.id)).reverse();
}

/**
 * The bundled revisions an absolute target names: `heads` all heads, `head` the single one,
 * `base` none, an id itself.
 */
export function targetRevisions(graph: RevisionGraph, absolute: string): string[] {
  if (absolute === 'heads') return graph.heads();
  if (absolute === 'head') {
    const head = graph.head();
    return head === undefined ? [] : [head];
  }
  if (absolute === 'base') return [];
  return [absolute];
}
