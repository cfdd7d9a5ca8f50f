import { AmbiguousTargetError, DatabaseAheadError, UnknownTargetError } from './errors.ts';
import type { Revision } from './revision.ts';
import type { RevisionGraph } from './revision-graph.ts';

/**
 * Relative targets. A relative step never chooses between branches: wherever more than one
 * revision could be the next step, it throws AmbiguousTargetError naming each of them, before
 * any statement. (Alembic refuses "+1" from several heads and only warns on "-1"; a silent
 * choice runs or reverts a branch nobody named, so upshift refuses both.) Pure, like the graph.
 *
 * - `+N` (upgrade), from the database: N times, apply the one pending revision whose parents are
 *   all applied (or applied by an earlier step).
 * - `-N` (downgrade), from the database: N times, revert the one applied bundled revision that no
 *   applied revision builds on.
 * - `<id>+N`, `<id>-N`, `head-N`, from the bundle alone: N steps from that revision along its
 *   children, or its parents, to one absolute id.
 */

/** `+N` / `-N`. */
export const STEP = /^([+-])(\d+)$/;
/** `<id or prefix>+N` / `<id or prefix>-N` / `head-N`; ids hold no `+` or `-` (REVISION_ID). */
const FROM = /^([A-Za-z0-9_]+)([+-])(\d+)$/;

/**
 * The applied set: ids alone, or the version rows by id, whose stored parents also place the
 * revisions the bundle does not know (a newer release's).
 */
export type Applied = ReadonlySet<string> | ReadonlyMap<string, { readonly parents: readonly string[] }>;

/** The id a `<from>±N` target names; undefined when the target has another form. */
export function resolveFrom(graph: RevisionGraph, target: string): string | undefined {
  const match = FROM.exec(target);
  if (!match) return undefined;
  const [, from, sign, count] = match as unknown as [string, string, '+' | '-', string];
  if (from === 'heads' || from === 'base') {
    throw new UnknownTargetError(
      target,
      `a relative step starts from "head" or from one revision's id, not from "${from}".`,
    );
  }
  const start = from === 'head' ? graph.head() : graph.resolveId(from);
  if (start === undefined) throw new UnknownTargetError(target, 'the bundle has no revisions.');
  let id: string = start;
  const steps = Number(count);
  for (let k = 0; k < steps; k++) {
    const next: readonly string[] = sign === '+' ? graph.children(id) : graph.get(id)!.parents;
    if (next.length === 0) {
      throw new UnknownTargetError(
        target,
        `"${id}" is ${sign === '+' ? 'a head' : 'a base'}, ${k} step(s) ${sign === '+' ? 'above' : 'below'} "${from}": there is no step ${k + 1}.`,
      );
    }
    if (next.length > 1) {
      const how = sign === '+' ? `branches into ${next.join(', ')}` : `merges ${next.join(', ')}`;
      throw new AmbiguousTargetError(
        target,
        [...next],
        `step ${k + 1} leaves "${id}", which ${how}. upshift does not pick a branch: name the revision you mean by its id (or "<id>${sign}N" from one of these).`,
      );
    }
    id = next[0]!;
  }
  return id;
}

/** The revisions `+N` applies, in order. */
export function stepsUp(graph: RevisionGraph, applied: Applied, target: string, steps: number): Revision[] {
  const chosen = new Set<string>();
  const done = (id: string) => applied.has(id) || chosen.has(id);
  const plan: Revision[] = [];
  let next = graph.order.filter((r) => !applied.has(r.id) && r.parents.every((p) => applied.has(p)));
  for (let k = 0; k < steps; k++) {
    // In a DAG, some pending revision has all its parents applied while any is pending.
    if (next.length === 0) throw new UnknownTargetError(target, `only ${k} bundled revision(s) are pending.`);
    if (next.length > 1) {
      throw new AmbiguousTargetError(
        target,
        next.map((r) => r.id),
        `${after(k)}the next step could apply any of ${next.length} revisions, one per branch: ` +
          `${next.map((r) => `${r.id} (after ${r.parents.join(' + ') || 'base'})`).join(', ')}. ` +
          `upshift does not pick a branch: upgrade to the revision you want by its id instead, e.g. upgrade("${next[0]!.id}").`,
      );
    }
    const revision = next[0]!;
    plan.push(revision);
    chosen.add(revision.id);
    // Only the revision just taken can have made others ready.
    next = graph.sort(graph.children(revision.id).filter((c) => !applied.has(c) && graph.get(c)!.parents.every(done)));
  }
  return plan;
}

/**
 * The revisions `-N` reverts, in order. A bundled revision that a newer release's revision
 * builds on is no candidate: reverting it is refused anyway (DatabaseAheadError), so it is no
 * second path either.
 */
export function stepsDown(graph: RevisionGraph, applied: Applied, target: string, steps: number): Revision[] {
  const children = new Map<string, number>();
  for (const id of applied.keys()) {
    const parents = graph.get(id)?.parents ?? ('get' in applied ? applied.get(id)!.parents : []);
    for (const p of parents) if (applied.has(p)) children.set(p, (children.get(p) ?? 0) + 1);
  }
  const reverted = new Set<string>();
  const plan: Revision[] = [];
  let next = graph.order.filter((r) => applied.has(r.id) && !children.has(r.id));
  for (let k = 0; k < steps; k++) {
    if (next.length === 0) {
      const left = graph.order.filter((r) => applied.has(r.id) && !reverted.has(r.id)).map((r) => r.id);
      if (left.length === 0) throw new UnknownTargetError(target, `only ${k} bundled revision(s) are applied.`);
      throw new DatabaseAheadError(unknownOnTop(graph, applied, new Set(left)), 'downgrade');
    }
    if (next.length > 1) {
      throw new AmbiguousTargetError(
        target,
        next.map((r) => r.id),
        `${after(k)}${next.length} applied revisions are heads, one per branch, and any of them could be reverted next: ` +
          `${next.map((r) => describeRevert(graph, applied, r, plan)).join(', ')}. ` +
          'upshift does not pick a branch: downgrade to a revision id instead (downgrade(id) reverts what descends from id).',
      );
    }
    const revision = next[0]!;
    plan.push(revision);
    reverted.add(revision.id);
    const ready: string[] = [];
    for (const p of revision.parents) {
      if (!applied.has(p)) continue;
      const left = children.get(p)! - 1;
      children.set(p, left);
      if (left === 0) ready.push(p);
    }
    next = graph.sort(ready);
  }
  return plan;
}

function after(k: number): string {
  return k === 0 ? '' : `after ${k} step(s), `;
}

/** A candidate of `-N`, with the id target that reverts exactly it (and the steps before it), if any. */
function describeRevert(
  graph: RevisionGraph,
  applied: Applied,
  revision: Revision,
  before: readonly Revision[],
): string {
  const wanted = new Set([...before.map((r) => r.id), revision.id]);
  for (const p of revision.parents) {
    const reverts = [...graph.descendants([p])].filter((id) => id !== p && applied.has(id));
    if (reverts.length === wanted.size && reverts.every((id) => wanted.has(id))) {
      return `${revision.id} (downgrade("${p}") reverts ${before.length ? 'it and the steps before it' : 'only it'})`;
    }
  }
  return `${revision.id} (no id target reverts it alone: ${revision.parents.length ? `what descends from ${revision.parents.join(' or ')} is more` : 'it is a base'})`;
}

/** Unknown applied revisions whose stored parents include one of `ids`. */
function unknownOnTop(graph: RevisionGraph, applied: Applied, ids: ReadonlySet<string>): string[] {
  if (!('get' in applied)) return [];
  const found: string[] = [];
  for (const [id, row] of applied) if (!graph.has(id) && row.parents.some((p) => ids.has(p))) found.push(id);
  return found.sort();
}
