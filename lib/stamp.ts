import type { Transaction } from '@mikro-orm/core';
import { checksumOf } from './checksum.ts';
import type { HeldLock } from './dialect/dialect.ts';
import { instanceName } from './instance.ts';
import type { RevisionGraph } from './revision-graph.ts';
import type { AppliedRevision, Store } from './store.ts';

export interface StampChanges {
  added: string[];
  removed: string[];
  rechecksummed: string[];
}

/**
 * Makes the recorded set of bundled revisions exactly `wanted`, in the caller's transaction, and
 * re-records the checksum of every kept row. Unknown rows (a newer release's) are never touched.
 */
export async function stampRows(
  graph: RevisionGraph,
  rows: readonly AppliedRevision[],
  wanted: ReadonlySet<string>,
  { store, trx, lock }: { store: Store; trx: Transaction; lock: HeldLock },
): Promise<StampChanges> {
  const recorded = new Map(rows.map((r) => [r.id, r]));
  const changes: StampChanges = { added: [], removed: [], rechecksummed: [] };
  for (const revision of graph.order) {
    const row = recorded.get(revision.id);
    const checksum = checksumOf(revision);
    if (wanted.has(revision.id) && !row) {
      await store.record(trx, lock, {
        id: revision.id,
        parents: revision.parents,
        message: revision.message,
        checksum,
        durationMs: 0,
        appliedBy: `${instanceName()} (stamp)`,
      });
      changes.added.push(revision.id);
    } else if (!wanted.has(revision.id) && row) {
      await store.unrecord(trx, lock, revision.id);
      changes.removed.push(revision.id);
    } else if (row && row.checksum !== checksum) {
      await store.updateChecksum(trx, revision.id, checksum);
      changes.rechecksummed.push(revision.id);
    }
  }
  return changes;
}
