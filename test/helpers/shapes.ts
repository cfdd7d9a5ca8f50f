import { defineRevision, type Revision } from 'upshift';
import { checksumOf } from '../../lib/checksum.ts';
import { RevisionGraph } from '../../lib/revision-graph.ts';
import type { AppliedRevision } from '../../lib/store.ts';

/**
 * Graph shapes for the pure plan and stamp tests, written as `{ id: parents }` in creation
 * order (each one second after the previous, so the topological order is the listing order
 * where the parents allow). Several are Alembic's own test fixtures (tests/test_version_traversal.py,
 * tests/test_command.py), with its short names repeated to reach upshift's 4-character minimum (a → aaaa, c1 → c1c1).
 */
export function shape(parents: Record<string, string[]>): Revision[] {
  return Object.entries(parents).map(([id, ps], i) =>
    defineRevision({
      id,
      parents: ps,
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i + 1)).toISOString(),
      up() {},
      down() {},
    }),
  );
}

/** a → b → c → d → e (Alembic's RevisionPathTest). */
export const linear = () =>
  new RevisionGraph(shape({ aaaa: [], bbbb: ['aaaa'], cccc: ['bbbb'], dddd: ['cccc'], eeee: ['dddd'] }));

/** a → b → c1 → d1, b → c2 → d2 (Alembic's BranchedPathTest; the graph). */
export const branched = () =>
  new RevisionGraph(
    shape({ aaaa: [], bbbb: ['aaaa'], c1c1: ['bbbb'], d1d1: ['c1c1'], c2c2: ['bbbb'], d2d2: ['c2c2'] }),
  );

/** branched, then e merges d1 and d2, then f (Alembic's MergedPathTest). */
export const merged = () =>
  new RevisionGraph(
    shape({
      aaaa: [],
      bbbb: ['aaaa'],
      c1c1: ['bbbb'],
      d1d1: ['c1c1'],
      c2c2: ['bbbb'],
      d2d2: ['c2c2'],
      eeee: ['d1d1', 'd2d2'],
      ffff: ['eeee'],
    }),
  );

/** a1 → b1, a2 → b2: two roots (Alembic's ForestTest). */
export const forest = () => new RevisionGraph(shape({ a1a1: [], b1b1: ['a1a1'], a2a2: [], b2b2: ['a2a2'] }));

/** a → b → c, b → d → e, b → f (Alembic's three_rev_fixture + multi_heads_fixture). */
export const multiHeads = () =>
  new RevisionGraph(
    shape({ aaaa: [], bbbb: ['aaaa'], cccc: ['bbbb'], dddd: ['bbbb'], eeee: ['dddd'], ffff: ['bbbb'] }),
  );

/** Every id at or below `heads`: the applied set of a database whose current heads they are. */
export function at(graph: RevisionGraph, heads: string[]): Set<string> {
  return graph.ancestors(heads);
}

/** The version rows of a database at `heads`, with the checksums a run would have recorded. */
export function rowsAt(graph: RevisionGraph, heads: string[]): AppliedRevision[] {
  return graph.sort(at(graph, heads)).map((r) => ({ id: r.id, parents: [...r.parents], checksum: checksumOf(r) }));
}

/** The heads of an applied set of bundled ids: what `current()` would report. */
export function headsOf(graph: RevisionGraph, applied: Iterable<string>): string[] {
  const set = new Set(applied);
  const below = new Set<string>();
  for (const id of set) for (const p of graph.get(id)?.parents ?? []) below.add(p);
  return [...set].filter((id) => !below.has(id)).sort();
}
