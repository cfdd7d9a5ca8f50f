import type { DatabaseState } from './state.ts';

/** What the Migrator's calls return: values, never printed output. */

export interface UpgradeResult {
  /** Revisions this call applied, in order. */
  applied: string[];
  /** Revisions another instance applied while this one waited. */
  skipped: string[];
  /** Applied heads afterwards. */
  current: string[];
  durationMs: number;
}

export interface DowngradeResult {
  reverted: string[];
  skipped: string[];
  current: string[];
  durationMs: number;
}

export interface StampResult {
  added: string[];
  removed: string[];
  /** Kept rows whose checksum was re-recorded (edits accepted). */
  rechecksummed: string[];
  current: string[];
}

export interface HistoryEntry {
  id: string;
  parents: string[];
  message: string;
  createdAt: string;
  isHead: boolean;
  applied: boolean;
  appliedAt: Date | null;
}

export interface Status {
  /** Nothing pending and nothing diverged. */
  upToDate: boolean;
  current: string[];
  heads: string[];
  pending: string[];
  /** Applied ids this bundle does not know (a newer release's, or another history's). */
  unknown: string[];
  /** Applied revisions whose source changed since they ran. */
  edited: string[];
  relation: DatabaseState['relation'];
}

/** One revision of a dry run: what it sent (parameters inlined) inside the rolled-back transaction. */
export interface DryRunRevision {
  id: string;
  message: string;
  /** false: listed, not run (`transaction: false`, which no rollback could undo). */
  run: boolean;
  reason?: string;
  statements: string[];
  durationMs: number;
}

/** What upgrade/downgrade(target, { dryRun: true }) would have done; nothing of it persisted. */
export interface DryRunResult {
  dryRun: true;
  direction: 'up' | 'down';
  revisions: DryRunRevision[];
  /** Applied heads, unchanged. */
  current: string[];
  durationMs: number;
}
