import {
  DuplicateRevisionError,
  MissingParentError,
  MultipleHeadsError,
  RevisionCycleError,
  UnknownTargetError,
  AmbiguousTargetError,
} from './errors.ts';
import { MinHeap } from './min-heap.ts';
import type { Revision } from './revision.ts';

/**
 * The bundled revisions as a DAG. Pure: built from a list, never sees a connection, so every
 * graph error is raised before any statement runs. Building is O(n log n); the per-operation
 * queries below are O(n).
 */
export class RevisionGraph {
  /** Every revision, parents before children; ties broken by createdAt, then id. */
  readonly order: readonly Revision[];
  readonly #byId: ReadonlyMap<string, Revision>;
  readonly #children: ReadonlyMap<string, readonly string[]>;
  readonly #position: ReadonlyMap<string, number>;
  readonly #heads: readonly string[];

  constructor(revisions: readonly Revision[]) {
    const byId = new Map<string, Revision>();
    for (const r of revisions) {
      if (byId.has(r.id)) throw new DuplicateRevisionError(r.id);
      byId.set(r.id, r);
    }
    const children = new Map<string, string[]>();
    for (const r of revisions) children.set(r.id, []);
    for (const r of revisions) {
      for (const p of r.parents) {
        const siblings = children.get(p);
        if (!siblings) throw new MissingParentError(r.id, p);
        siblings.push(r.id);
      }
    }
    this.#byId = byId;
    this.#children = children;
    this.order = topologicalOrder(revisions, children, byId);
    this.#position = new Map(this.order.map((r, i) => [r.id, i]));
    this.#heads = this.order.filter((r) => children.get(r.id)!.length === 0).map((r) => r.id);
  }

  get size(): number {
    return this.order.length;
  }

  get(id: string): Revision | undefined {
    return this.#byId.get(id);
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** Revisions nothing descends from, in topological order. */
  heads(): string[] {
    return [...this.#heads];
  }

  bases(): string[] {
    return this.order.filter((r) => r.parents.length === 0).map((r) => r.id);
  }

  children(id: string): readonly string[] {
    return this.#children.get(id) ?? [];
  }

  /** The ids and every revision they descend from (inclusive). */
  ancestors(ids: Iterable<string>): Set<string> {
    return this.#walk(ids, (id) => this.#byId.get(id)?.parents ?? []);
  }

  /** The ids and every revision that descends from them (inclusive). */
  descendants(ids: Iterable<string>): Set<string> {
    return this.#walk(ids, (id) => this.#children.get(id) ?? []);
  }

  /** Sorts ids of this graph into topological order. */
  sort(ids: Iterable<string>): Revision[] {
    return [...ids]
      .map((id) => this.#byId.get(id)!)
      .sort((a, b) => this.#position.get(a.id)! - this.#position.get(b.id)!);
  }

  /** The single head; `MultipleHeadsError` when the bundle has branched. */
  head(): string | undefined {
    if (this.#heads.length > 1) throw new MultipleHeadsError([...this.#heads]);
    return this.#heads[0];
  }

  /** A full id, or a unique prefix of 4 or more characters, to a full id. */
  resolveId(target: string): string {
    if (this.#byId.has(target)) return target;
    if (target.length < 4) {
      throw new UnknownTargetError(target, 'it is not "head", "heads", "base", "+N", "-N", an id, or an id prefix of 4 or more characters.');
    }
    const matches: string[] = [];
    for (const id of this.#byId.keys()) if (id.startsWith(target)) matches.push(id);
    if (matches.length === 0) throw new UnknownTargetError(target, 'no bundled revision has this id or id prefix.');
    if (matches.length > 1) throw new AmbiguousTargetError(target, matches.sort());
    return matches[0]!;
  }

  #walk(start: Iterable<string>, next: (id: string) => readonly string[]): Set<string> {
    const seen = new Set<string>();
    const stack = [...start];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const n of next(id)) if (!seen.has(n)) stack.push(n);
    }
    return seen;
  }
}

/** Kahn's algorithm with a heap, so the order is the same on every machine for the same bundle. */
function topologicalOrder(
  revisions: readonly Revision[],
  children: ReadonlyMap<string, readonly string[]>,
  byId: ReadonlyMap<string, Revision>,
): Revision[] {
  const waiting = new Map<string, number>();
  const ready = new MinHeap<Revision>(
    (a, b) => (a.createdAt === b.createdAt ? a.id < b.id : a.createdAt < b.createdAt),
  );
  for (const r of revisions) {
    waiting.set(r.id, r.parents.length);
    if (r.parents.length === 0) ready.push(r);
  }
  const order: Revision[] = [];
  while (ready.size > 0) {
    const r = ready.pop()!;
    order.push(r);
    for (const c of children.get(r.id)!) {
      const left = waiting.get(c)! - 1;
      waiting.set(c, left);
      if (left === 0) ready.push(byId.get(c)!);
    }
  }
  if (order.length !== revisions.length) {
    const stuck = [...waiting].filter(([, n]) => n > 0).map(([id]) => id);
    throw new RevisionCycleError(onCycle(stuck, byId));
  }
  return order;
}

/** Of the revisions Kahn could not place, keeps those on a cycle (not merely below one). */
function onCycle(stuck: string[], byId: ReadonlyMap<string, Revision>): string[] {
  const stuckSet = new Set(stuck);
  // Trim repeatedly the stuck revisions that no other stuck revision names as a parent:
  // they are descendants of a cycle, not members of it.
  let members = stuckSet;
  for (;;) {
    const named = new Set<string>();
    for (const id of members) for (const p of byId.get(id)!.parents) if (members.has(p)) named.add(p);
    if (named.size === members.size) return [...members].sort();
    members = named;
  }
}
