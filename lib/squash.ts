import { checksumOf } from './checksum.ts';
import { ConfigurationError, SquashHalfwayError } from './errors.ts';
import type { Revision } from './revision.ts';
import type { RevisionGraph } from './revision-graph.ts';
import type { AppliedRevision } from './store.ts';

/** What upgrade() writes, under the lock in one unit, to turn replaced rows into the squashed one. */
export interface SquashConversion {
  record: Revision[];
  unrecord: string[];
}

/**
 * The version rows as a bundle with squashed revisions sees them (Django's `replaces`). For each
 * bundled revision S that replaces R1..Rn (revisions no longer bundled):
 * - none of R1..Rn recorded: nothing changes (S is pending like any revision, on a new database);
 * - all recorded: S counts as applied and R1..Rn disappear from the view; `conversion` says to
 *   record S and remove their rows, so that nothing runs twice and the next boot's state row
 *   matches the bundle again;
 * - some recorded: SquashHalfwayError (the bundle cannot finish the old line, and running S
 *   would repeat its first part);
 * - S bundled together with any of R1..Rn: ConfigurationError. Pure: upgrade() calls it before and again under the lock.
 */
export function squashView(
  graph: RevisionGraph,
  rows: readonly AppliedRevision[],
): { rows: AppliedRevision[]; conversion: SquashConversion | undefined } {
  let squashed: Revision[] | undefined;
  for (const r of graph.order) if (r.replaces) (squashed ??= []).push(r);
  if (!squashed) return { rows: [...rows], conversion: undefined };
  const byId = new Map(rows.map((r) => [r.id, r]));
  const record: Revision[] = [];
  const unrecord: string[] = [];
  for (const s of squashed) {
    const replaced = [...s.replaces!];
    const kept = replaced.filter((id) => graph.has(id));
    // Both in the bundle, the squashed revision would run again over what they applied.
    if (kept.length > 0) {
      throw new ConfigurationError(
        `The bundle holds the squashed revision ${s.id} and ${kept.length} of the revisions it replaces (${kept.slice(0, 3).join(', ')}${kept.length > 3 ? ', …' : ''}); ` +
          'list only one of them in revisions/index.ts (squash() removes the replaced entries).',
      );
    }
    const present = replaced.filter((id) => byId.has(id));
    if (present.length === 0) continue;
    if (!byId.has(s.id)) {
      if (present.length < replaced.length)
        throw new SquashHalfwayError(
          s.id,
          present,
          replaced.filter((id) => !byId.has(id)),
        );
      record.push(s);
    }
    unrecord.push(...present);
  }
  if (unrecord.length === 0) return { rows: [...rows], conversion: undefined };
  const gone = new Set(unrecord);
  const view = rows.filter((r) => !gone.has(r.id));
  for (const s of record) view.push({ id: s.id, parents: [...s.parents], checksum: checksumOf(s) });
  return { rows: view, conversion: { record, unrecord } };
}
