import type { ReferencedBy } from './sqlite-rewrite.ts';

/**
 * The order in which tables can be dropped when they reference each other: children first, cycles
 * together. Pure graph code, for the SQLite rewrite (MikroORM drops parents before the tables that
 * reference them, which fails with foreign keys on).
 */

/**
 * Tables in an order where each comes before the tables it references. Tables that reference
 * each other in a cycle (a strongly connected group) stay together, in their original order;
 * each group comes before the groups it references. Otherwise the original order decides.
 */
export function childrenFirst<T extends { table: string }>(drops: T[], referencedBy: ReferencedBy): T[] {
  if (drops.length < 2) return drops;
  const index = new Map(drops.map((d, i) => [d.table, i]));
  // Edges from a table to the tables of the run it references (its parents).
  const parents = drops.map(() => [] as number[]);
  drops.forEach((d, parent) => {
    for (const child of referencedBy.get(d.table) ?? []) {
      const c = index.get(child);
      if (c !== undefined && c !== parent) parents[c]!.push(parent);
    }
  });
  const groups = stronglyConnected(drops.length, parents);
  const groupOf = new Array<number>(drops.length);
  groups.forEach((members, g) => {
    for (const m of members) groupOf[m] = g;
  });
  // A group is ready once every group whose tables reference it is out.
  const waitingOn = groups.map(() => new Set<number>());
  drops.forEach((_, c) => {
    for (const p of parents[c]!) if (groupOf[p] !== groupOf[c]) waitingOn[groupOf[p]!]!.add(groupOf[c]!);
  });
  const out: T[] = [];
  const done = new Set<number>();
  const first = groups.map((members) => Math.min(...members));
  while (done.size < groups.length) {
    let next = -1;
    for (let g = 0; g < groups.length; g++) {
      if (done.has(g) || [...waitingOn[g]!].some((w) => !done.has(w))) continue;
      if (next < 0 || first[g]! < first[next]!) next = g;
    }
    done.add(next);
    out.push(...groups[next]!.sort((a, b) => a - b).map((m) => drops[m]!));
  }
  return out;
}

/** Tarjan's strongly connected components of a graph given as adjacency lists. */
function stronglyConnected(n: number, edges: number[][]): number[][] {
  const order = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const groups: number[][] = [];
  let counter = 0;
  const visit = (v: number) => {
    order[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = true;
    for (const w of edges[v]!) {
      if (order[w] === -1) {
        visit(w);
        low[v] = Math.min(low[v]!, low[w]!);
      } else if (onStack[w]) low[v] = Math.min(low[v]!, order[w]!);
    }
    if (low[v] === order[v]) {
      const group: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = false;
        group.push(w);
      } while (w !== v);
      groups.push(group);
    }
  };
  for (let v = 0; v < n; v++) if (order[v] === -1) visit(v);
  return groups;
}
