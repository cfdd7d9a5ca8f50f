// The runtime entry. It must stay light: nothing used only by autogenerate is imported here.
export { Migrator } from './migrator.ts';
export { TenantMigrator, upgradeTenants } from './tenants.ts';
export { MigratorSet } from './migrator-set.ts';
export type { DatabaseEntry, SharedOptions } from './migrator-set.ts';
export type { TenantOptions, TenantResult } from './tenants.ts';
export type {
  UpgradeResult,
  DowngradeResult,
  StampResult,
  HistoryEntry,
  Status,
  DryRunResult,
  DryRunRevision,
} from './results.ts';
export type { OfflineOperation, OfflineOptions } from './operations/offline-sql.ts';
export type { AppLogger } from './app-logger.ts';
export type { MigratorOptions } from './options.ts';
export type { StampOptions } from './stamp.ts';
export { defineRevision } from './revision.ts';
export { migrationProgress } from './progress.ts';
export type { MigrationProgress } from './progress.ts';
export type { Revision, RevisionInput, RevisionContext } from './revision.ts';
export type { LazyRevision, RevisionEntry } from './lazy-revision.ts';
export type { LockHolder, ForeignKeyViolation, DdlBlocker } from './errors.ts';
export type { DdlOptions } from './ddl-options.ts';
export {
  UpshiftError,
  InvalidRevisionError,
  DuplicateRevisionError,
  MissingParentError,
  RevisionCycleError,
  MultipleHeadsError,
  UnknownTargetError,
  AmbiguousTargetError,
  ConfigurationError,
  IrreversibleRevisionError,
  LockTimeoutError,
  LockLostError,
  RevisionFailedError,
  DatabaseAheadError,
  DivergedError,
  ChecksumMismatchError,
  DatabaseError,
  WrongDatabaseError,
  ConcurrentChangeError,
  DatabasesFailedError,
  ForeignKeyViolationError,
  ForeignKeysNotDisabledError,
  OfflineUnsupportedError,
  AdoptionError,
  SquashHalfwayError,
  BaselineMismatchError,
  DdlLockTimeoutError,
  InvalidIndexError,
  RevisionNotResumableError,
} from './errors.ts';
