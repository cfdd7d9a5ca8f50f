import { checksumOf } from '../checksum.ts';
import { recordedNotRun } from '../recorded.ts';
import { withLock } from '../locked.ts';
import type { StampResult } from '../results.ts';
import type { Runtime } from '../runtime.ts';
import { analyze } from '../state.ts';
import { stampChanges, type StampRequest } from '../stamp.ts';

/**
 * stamp(target, { purge }): records revisions as applied, or not, running none (the rule is
 * stamp.ts's, decided from the rows read under the lock). All of it in one unit of work: the
 * version table changes entirely or not at all. Kept rows get today's checksum, which is how an
 * edit of an applied revision is accepted.
 */
export async function stamp(rt: Runtime, request: StampRequest): Promise<StampResult> {
  await rt.bundle.load(() => rt.logger);
  const graph = rt.bundle.graph;
  const outcome = await withLock(rt, 'stamp', async (lock) => {
    await lock.readApplied(); // under a lock held for the operation, this also creates the tables
    const changes = await lock.unit(async (unit) => {
      const rows = await unit.rows();
      const changes = stampChanges(graph, rows, request.target, request);
      await unit.unrecord(changes.remove);
      await unit.record(changes.add.map((revision) => recordedNotRun(revision, 'stamp')));
      for (const revision of changes.rechecksum) await unit.rechecksum(revision.id, checksumOf(revision));
      const removed = new Set(changes.remove);
      const after = [
        ...rows.filter((r) => !removed.has(r.id)),
        ...changes.add.map((r) => ({ id: r.id, parents: [...r.parents], checksum: '' })),
      ];
      return { ...changes, current: analyze(graph, after).current };
    });
    return {
      added: changes.add.map((r) => r.id),
      removed: changes.remove,
      rechecksummed: changes.rechecksum.map((r) => r.id),
      current: changes.current,
    };
  });
  const result = (outcome as { value: StampResult }).value;
  rt.logger.info(result, `stamped ${request.target}: ${result.added.length} added, ${result.removed.length} removed`);
  return result;
}
