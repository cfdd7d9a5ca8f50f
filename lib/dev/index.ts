// The development entry (upshift/dev): autogenerate, init, merge, check. Never imported by the runtime.
export { init } from './bundle.ts';
export type { InitResult } from './bundle.ts';
export { revision } from './revision.ts';
export type { RevisionOptions, GeneratedRevision, ChainedRevision } from './revision.ts';
export { merge } from './merge.ts';
export type { MergeOptions, MergedRevision } from './merge.ts';
export { check } from './check.ts';
export { sync } from './sync.ts';
export type { SyncResult } from './sync.ts';
export { initDatabases, revisionDatabases, checkDatabases } from './databases.ts';
export type { CheckOptions, CheckResult } from './check.ts';
export {
  SchemaDriftError,
  UnmergedHeadsError,
  NothingToMergeError,
  DirectoryNotEmptyError,
  BundleIndexError,
  InvalidDevOptionError,
  RoundTripError,
  ShadowDatabaseError,
  ShadowDatabaseRefusedError,
  StaleDeclarationError,
  GeneratedStatementError,
  TemplateError,
  UnsafeDdlError,
} from './errors.ts';
export type { LintFinding } from './lint/lint.ts';
export { RULE_IDS as LINT_RULES } from './lint/rules.ts';
export { importMikroOrmMigrations } from './import-mikro-orm.ts';
export type { ImportOptions, ImportedRevision } from './import-mikro-orm.ts';
export { MigrationImportError } from '../errors.ts';
export { squash } from './squash.ts';
export type { SquashOptions, SquashedRevision } from './squash.ts';
export { baseline } from './baseline.ts';
export type { BaselineOptions } from './baseline.ts';
