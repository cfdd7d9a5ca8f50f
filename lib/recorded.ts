import { checksumOf } from './checksum.ts';
import { instanceName } from './instance.ts';
import type { Revision } from './revision.ts';
import type { AppliedRevision, RecordDetails } from './store.ts';

/**
 * The version row of a revision recorded without running it (stamp, adoption, baseline, squash):
 * today's checksum, no duration, and `why` beside the instance's name in applied_by, so the table
 * tells which rows ran and which were only recorded.
 */
export function recordedNotRun(revision: Revision, why: string): RecordDetails {
  return {
    id: revision.id,
    parents: revision.parents,
    message: revision.message,
    checksum: checksumOf(revision),
    durationMs: 0,
    appliedBy: `${instanceName()} (${why})`,
  };
}

/** The applied-set entry such a row reads back as. */
export function appliedEntry(revision: Revision): AppliedRevision {
  return { id: revision.id, parents: [...revision.parents], checksum: checksumOf(revision) };
}
