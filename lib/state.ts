import { checksumOf, isCurrentFormat } from './checksum.ts';
import { DivergedError } from './errors.ts';
import type { RevisionGraph } from './revision-graph.ts';
import type { AppliedRevision } from './store.ts';

/**
 * What the version table says, measured against the bundle. Pure: computed from the rows the
 * store read and the graph, in O(n), so the no-op boot stays cheap at 10,000 revisions.
 */
export interface DatabaseState {
  rows: ReadonlyMap<string, AppliedRevision>;
  /** Applied ids the bundle does not know. */
  unknown: string[];
  /** Bundled ids that are not applied although a revision above them is. */
  missing: string[];
  /** Applied ids with no applied child: where the database is. */
  current: string[];
  /** Applied bundled revisions whose source changed since they ran. */
  edited: string[];
  /** Applied bundled revisions recorded with a checksum of an older format: not compared. */
  outdated: string[];
  /**
   * 'ok': the database is at or behind the bundle. 'ahead': it also holds newer revisions that
   * descend from applied bundled revisions (older code, newer database). 'diverged': anything else.
   */
  relation: 'ok' | 'ahead' | 'diverged';
}

export function analyze(graph: RevisionGraph, applied: readonly AppliedRevision[]): DatabaseState {
  const rows = new Map(applied.map((r) => [r.id, r]));
  const unknown = applied.filter((r) => !graph.has(r.id)).map((r) => r.id);
  const missing = new Set<string>();
  const edited: string[] = [];
  const outdated: string[] = [];
  const hasChild = new Set<string>();
  for (const row of applied) for (const p of row.parents) hasChild.add(p);
  for (const revision of graph.order) {
    const row = rows.get(revision.id);
    if (!row) continue;
    // If every applied revision's parents are applied, so are all its ancestors (by induction).
    for (const p of revision.parents) if (!rows.has(p)) missing.add(p);
    if (isCurrentFormat(row.checksum)) {
      if (row.checksum !== checksumOf(revision)) edited.push(revision.id);
    } else if (row.checksum !== '') outdated.push(revision.id); // '' when checksums were not read
  }
  const known = graph.order.filter((r) => rows.has(r.id) && !hasChild.has(r.id)).map((r) => r.id);
  const current = [...known, ...unknown.filter((id) => !hasChild.has(id)).sort()];
  return {
    rows,
    unknown,
    missing: graph.sort(missing).map((r) => r.id),
    current,
    edited,
    outdated,
    relation: relationOf(graph, rows, unknown, missing),
  };
}

function relationOf(
  graph: RevisionGraph,
  rows: ReadonlyMap<string, AppliedRevision>,
  unknown: string[],
  missing: ReadonlySet<string>,
): DatabaseState['relation'] {
  if (missing.size > 0) return 'diverged';
  if (unknown.length === 0) return 'ok';
  // Ahead means: every unknown revision hangs, through stored parents, from applied bundled
  // revisions (a newer release's revisions), and no bundled revision is missing below an applied
  // one (checked above). Unrelated ids are a different app or a rewritten history. Whether
  // bundled revisions may still be applied beside the unknown ones is the app's policy, not a
  // fact about the rows (policy.ts: a divergence unless onDatabaseAhead is "apply").
  // Worklist from the bundle outwards: an unknown revision is good once each of its parents is
  // an applied bundled revision or already good. Whatever is never reached is unrelated (or its
  // rows are corrupt).
  const unknownSet = new Set(unknown);
  const fromBundle = (p: string) => graph.has(p) && rows.has(p);
  const isGood = (p: string) => fromBundle(p) || good.has(p);
  const good = new Set<string>();
  const childrenOf = new Map<string, string[]>();
  for (const id of unknown) {
    for (const p of rows.get(id)!.parents) {
      if (!unknownSet.has(p)) continue;
      const list = childrenOf.get(p);
      if (list) list.push(id);
      else childrenOf.set(p, [id]);
    }
  }
  const ready = unknown.filter((id) => {
    const parents = rows.get(id)!.parents;
    return parents.length > 0 && parents.every(fromBundle);
  });
  while (ready.length > 0) {
    const id = ready.pop()!;
    if (good.has(id)) continue;
    good.add(id);
    for (const child of childrenOf.get(id) ?? []) {
      if (!good.has(child) && rows.get(child)!.parents.every(isGood)) ready.push(child);
    }
  }
  return good.size === unknown.length ? 'ahead' : 'diverged';
}

/** The error for a 'diverged' state, naming what is missing and what is unknown. */
export function divergedError(state: DatabaseState): DivergedError {
  const parts: string[] = [];
  if (state.missing.length)
    parts.push(`bundled revision(s) ${state.missing.join(', ')} are not applied although revisions above them are`);
  if (state.unknown.length) {
    parts.push(
      `applied revision(s) ${state.unknown.join(', ')} are not in this bundle, and not all of them descend from ` +
        'applied bundled revisions, so the database is not simply ahead of this code',
    );
  }
  return new DivergedError(
    `The database and this code's revisions have diverged: ${parts.join('; ')}. ` +
      'upshift will not guess: restore the missing revisions to the bundle, or repair the version table with stamp().',
    state.unknown,
    state.missing,
  );
}

/**
 * Where the database stands after a run: the applied set read under the lock, changed by what
 * the run did. Under a lock held for the whole operation that is exact; where the lock lasts a
 * unit, it is the database as this call left it, which is what a caller asks for.
 */
export function afterRun(
  graph: RevisionGraph,
  before: DatabaseState,
  ran: readonly string[],
  direction: 'up' | 'down',
): string[] {
  const rows = new Map(before.rows);
  for (const id of ran) {
    if (direction === 'down') rows.delete(id);
    else rows.set(id, { id, parents: [...graph.get(id)!.parents], checksum: '' });
  }
  return analyze(graph, [...rows.values()]).current;
}
