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
