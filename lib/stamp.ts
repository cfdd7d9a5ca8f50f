import { checksumOf } from './checksum.ts';
import { ConfigurationError, DatabaseAheadError } from './errors.ts';
import { resolveTarget, targetRevisions } from './plan.ts';
import { describeValue, type Revision } from './revision.ts';
import type { RevisionGraph } from './revision-graph.ts';
import type { AppliedRevision } from './store.ts';

/**
 * stamp(): records revisions as applied, or not, running none. The rule, decided here from the
 * rows and the bundle alone (pure), is that a stamp changes only the target's own line: it adds
 * the target and its ancestors, and removes what descends from the target. A row of another
 * branch stays, because its changes are still in the schema: removing it would make the next
 * upgrade run it again (issue 21; Alembic's test_stamp_to_labeled_head_multiple_heads).
 * `{ purge: true }` is Alembic's `--purge`: the recorded set becomes exactly the target's
 * ancestors, every other row removed, a newer release's included.
 */

export interface StampOptions {
  /** Remove every row outside the target's ancestors, rows of unknown revisions included. */
  purge?: boolean;
}

/** A stamp checked against the bundle, before any statement. */
export interface StampRequest {
  readonly target: string;
  readonly purge: boolean;
}

/** What a stamp changes: rows to add (parents first), ids to remove, kept rows to re-checksum. */
export interface StampChanges {
  add: Revision[];
  remove: string[];
  rechecksum: Revision[];
}

/** Checks the target and the options; typed errors, and no statement, for bad input. */
export function stampRequest(graph: RevisionGraph, target: unknown, options: unknown): StampRequest {
  let purge = false;
  if (options !== undefined) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new ConfigurationError(
        `stamp(target, options): options must be an object such as { purge: true }, got ${describeValue(options)}.`,
      );
    }
    for (const key of Object.keys(options)) {
      if (key !== 'purge')
        throw new ConfigurationError(`stamp(target, options): unknown option "${key}"; the only option is purge.`);
    }
    const value = (options as StampOptions).purge;
    if (value !== undefined && typeof value !== 'boolean') {
      throw new ConfigurationError(`stamp(target, options): purge must be true or false, got ${describeValue(value)}.`);
    }
    purge = value ?? false;
  }
  resolveTarget(graph, target, 'stamp');
  return { target: target as string, purge };
}

/**
 * The rows stamp(target) adds, removes and re-checksums. Without purge: rows ∪ ancestors(target),
 * minus the bundled rows that strictly descend from the target (`heads` removes nothing; `base`
 * removes every bundled row). Rows of revisions the bundle does not know are never removed then,
 * and a stamp that would remove a revision they are stored on top of is refused
 * (DatabaseAheadError), as downgrade refuses to revert it.
 */
export function stampChanges(
  graph: RevisionGraph,
  rows: readonly AppliedRevision[],
  target: string,
  { purge }: { purge: boolean },
): StampChanges {
  // resolveTarget() refuses "+N" and "-N" for a stamp, so the target is absolute.
  const { absolute } = resolveTarget(graph, target, 'stamp') as { absolute: string };
  const goal = targetRevisions(graph, absolute);
  const keep = graph.ancestors(goal);
  const recorded = new Map(rows.map((r) => [r.id, r]));
  let remove: Set<string>;
  if (purge) {
    remove = new Set(rows.filter((r) => !keep.has(r.id)).map((r) => r.id));
  } else {
    const below = absolute === 'base' ? undefined : graph.descendants(goal);
    remove = new Set(
      rows
        .filter((r) => graph.has(r.id) && (below === undefined || (below.has(r.id) && !goal.includes(r.id))))
        .map((r) => r.id),
    );
    const blocked = rows.filter((r) => !graph.has(r.id) && r.parents.some((p) => remove.has(p))).map((r) => r.id);
    if (blocked.length > 0) throw new DatabaseAheadError(blocked.sort(), 'stamp');
  }
  const changes: StampChanges = { add: [], remove: [], rechecksum: [] };
  for (const revision of graph.order) {
    const row = recorded.get(revision.id);
    if (!row) {
      if (keep.has(revision.id)) changes.add.push(revision);
    } else if (!remove.has(revision.id) && row.checksum !== checksumOf(revision)) {
      changes.rechecksum.push(revision);
    }
  }
  // Bundled ids in topological order, then what the bundle does not know.
  changes.remove = graph.sort([...remove].filter((id) => graph.has(id))).map((r) => r.id);
  changes.remove.push(...[...remove].filter((id) => !graph.has(id)).sort());
  return changes;
}
