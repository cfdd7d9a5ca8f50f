import {
  DuplicateRevisionError,
  MissingParentError,
  MultipleHeadsError,
  RevisionCycleError,
  UnknownTargetError,
  AmbiguousTargetError,
} from './errors.ts';
import { ChildLists } from './child-lists.ts';
import { IdIndex } from './id-index.ts';
import { MinHeap } from './min-heap.ts';
import type { Revision } from './revision.ts';

/**
 * The bundled revisions as a DAG. Pure: built from a list, never sees a connection, so every
 * graph error is raised before any statement runs. Building is O(n log n); the per-operation
 * queries below are O(n).
 *
 * Revisions are numbered by their place in the list, and every structure but the id lookup is an
 * array indexed by that number (children in one flat list per graph, parents' children
 * contiguous), the id lookup an IdIndex (see id-index.ts): nothing grows per revision but arrays,
 * so building stays linear at tens of thousands of revisions (bench/5-large-history).
 */
export class RevisionGraph {
  /** Every revision, parents before children; ties broken by createdAt, then id. */
  readonly order: readonly Revision[];
  /** The revisions as given, and each id's place among them. */
  readonly #revisions: readonly Revision[];
  readonly #index: IdIndex;
  readonly #children: ChildLists;
  /** Revision i's place in `order`. */
  readonly #position: Int32Array;
  readonly #heads: readonly string[];

  constructor(revisions: readonly Revision[]) {
    const n = revisions.length;
    const index = new IdIndex(n);
    for (let i = 0; i < n; i++) {
      const id = revisions[i]!.id;
      if (index.has(id)) throw new DuplicateRevisionError(id);
      index.set(id, i);
    }
    const parents: number[][] = revisions.map((r) =>
      r.parents.map((p) => {
        const parent = index.get(p);
        if (parent === undefined) throw new MissingParentError(r.id, p);
        return parent;
      }),
    );
    const children = new ChildLists(n, (i) => parents[i]!);
    this.#revisions = revisions;
    this.#index = index;
    this.#children = children;
    this.#position = new Int32Array(n);
    this.order = this.#topologicalOrder();
    const heads: string[] = [];
    for (const r of this.order) if (children.count(index.get(r.id)!) === 0) heads.push(r.id);
    this.#heads = heads;
  }

  get size(): number {
    return this.order.length;
  }

  get(id: string): Revision | undefined {
    const i = this.#index.get(id);
    return i === undefined ? undefined : this.#revisions[i];
  }

  has(id: string): boolean {
    return this.#index.has(id);
  }

  /** Revisions nothing descends from, in topological order. */
  heads(): string[] {
    return [...this.#heads];
  }

  bases(): string[] {
    return this.order.filter((r) => r.parents.length === 0).map((r) => r.id);
  }

  children(id: string): readonly string[] {
    const i = this.#index.get(id);
    if (i === undefined) return [];
    return Array.from(this.#children.of(i), (c) => this.#revisions[c]!.id);
  }

  /** The ids and every revision they descend from (inclusive). */
  ancestors(ids: Iterable<string>): Set<string> {
    return this.#walk(ids, (i, visit) => {
      for (const p of this.#revisions[i]!.parents) visit(this.#index.get(p)!);
    });
  }

  /** The ids and every revision that descends from them (inclusive). */
  descendants(ids: Iterable<string>): Set<string> {
    return this.#walk(ids, (i, visit) => {
      this.#children.forEach(i, visit);
    });
  }

  /** Sorts ids of this graph into topological order. */
  sort(ids: Iterable<string>): Revision[] {
    const position = this.#position;
    return Array.from(ids, (id) => this.#index.get(id)!)
      .sort((a, b) => position[a]! - position[b]!)
      .map((i) => this.#revisions[i]!);
  }

  /** The single head; `MultipleHeadsError` when the bundle has branched. */
  head(): string | undefined {
    if (this.#heads.length > 1) throw new MultipleHeadsError([...this.#heads]);
    return this.#heads[0];
  }

  /** A full id, or a unique prefix of 4 or more characters, to a full id. */
  resolveId(target: string): string {
    if (this.#index.has(target)) return target;
    if (target.length < 4) {
      throw new UnknownTargetError(
        target,
        'it is not "head", "heads", "base", "+N", "-N", an id, or an id prefix of 4 or more characters.',
      );
    }
    const matches: string[] = [];
    for (const { id } of this.#revisions) if (id.startsWith(target)) matches.push(id);
    if (matches.length === 0) throw new UnknownTargetError(target, 'no bundled revision has this id or id prefix.');
    if (matches.length > 1) throw new AmbiguousTargetError(target, matches.sort());
    return matches[0]!;
  }

  /** The start ids (unknown ones included, as they are) and every revision `expand` reaches from them. */
  #walk(start: Iterable<string>, expand: (i: number, visit: (j: number) => void) => void): Set<string> {
    const found = new Set<string>();
    const seen = new Uint8Array(this.#revisions.length);
    const stack: number[] = [];
    const visit = (j: number) => {
      if (seen[j]) return;
      seen[j] = 1;
      stack.push(j);
    };
    for (const id of start) {
      const i = this.#index.get(id);
      if (i === undefined) found.add(id);
      else visit(i);
    }
    while (stack.length > 0) {
      const i = stack.pop()!;
      found.add(this.#revisions[i]!.id);
      expand(i, visit);
    }
    return found;
  }

  /**
   * Kahn's algorithm with a heap, so the order is the same on every machine for the same bundle.
   * Fills #position as it goes.
   */
  #topologicalOrder(): Revision[] {
    const revisions = this.#revisions;
    const waiting = new Int32Array(revisions.length);
    const ready = new MinHeap<number>((a, b) => {
      const ra = revisions[a]!;
      const rb = revisions[b]!;
      return ra.createdAt === rb.createdAt ? ra.id < rb.id : ra.createdAt < rb.createdAt;
    });
    for (let i = 0; i < revisions.length; i++) {
      waiting[i] = revisions[i]!.parents.length;
      if (waiting[i] === 0) ready.push(i);
    }
    const order: Revision[] = [];
    while (ready.size > 0) {
      const i = ready.pop()!;
      this.#position[i] = order.length;
      order.push(revisions[i]!);
      this.#children.forEach(i, (c) => {
        if (--waiting[c]! === 0) ready.push(c);
      });
    }
    if (order.length !== revisions.length) {
      const stuck = revisions.filter((_, i) => waiting[i]! > 0);
      throw new RevisionCycleError(onCycle(stuck));
    }
    return order;
  }
}

/** Of the revisions Kahn could not place, keeps those on a cycle (not merely below one). */
function onCycle(stuck: readonly Revision[]): string[] {
  // Trim repeatedly the stuck revisions that no other stuck revision names as a parent:
  // they are descendants of a cycle, not members of it.
  let members = stuck;
  for (;;) {
    const ids = new Set(members.map((r) => r.id));
    const named = new Set<string>();
    for (const r of members) for (const p of r.parents) if (ids.has(p)) named.add(p);
    if (named.size === members.length) return [...named].sort();
    members = members.filter((r) => named.has(r.id));
  }
}
