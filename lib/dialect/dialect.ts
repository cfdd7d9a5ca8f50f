import type { Transaction } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { DdlLimits } from '../ddl-options.ts';
import type { Row } from '../database.ts';
import type { LockOptions } from '../lock.ts';
import type { AppliedRevision, RecordDetails } from '../store.ts';

/**
 * What differs between the databases upshift supports, and nothing else: the operations, the
 * runner and the store are written once against these interfaces (kysely's dialect adapters are
 * the model). Nothing outside lib/dialect/ asks which database or which kind of lock it has.
 */
export interface Dialect {
  readonly name: DialectName;
  /**
   * What this database cannot do that the others can, each with the reason, checked before any
   * statement (ConfigurationError): MariaDB/MySQL commit DDL implicitly, so nothing that relies
   * on rolling a revision's DDL back (dry runs, one transaction for the whole run) can be honest.
   */
  readonly refuses?: Readonly<Partial<Record<Refusable, string>>>;
  /** An identifier quoted for this database (ANSI double quotes; backticks on MariaDB/MySQL). */
  quote(name: string): string;
  /** SQL concatenating the given SQL expressions (`||` is OR on MariaDB/MySQL). */
  concat(...parts: string[]): string;
  /**
   * The statement that writes the state row (id 1) whether or not it exists, with the two digests
   * as its parameters (`keys`, then `ids`).
   */
  stateRowUpsert(stateTable: string): string;
  /**
   * Whether a revision with `transaction: false` runs outside any transaction here (PostgreSQL,
   * for CREATE INDEX CONCURRENTLY), or in one like any other (SQLite, where the write lock is a
   * transaction and no statement needs to run outside one).
   */
  readonly runsOutsideTransactions: boolean;
  /**
   * Bounds and retries for the table locks a revision's DDL waits for; undefined where DDL does
   * not queue for table locks (SQLite: one writer, the database's write lock).
   */
  ddlGuard?(logger: Logger): DdlGuard;
  /**
   * Where upshift's tables are, resolved the way the app's own queries resolve names and checked
   * to be in the database the ORM is configured for. Once per Migrator (a failure is not kept);
   * every path that writes, or reads on a connection of upshift's own, starts here.
   */
  locate(): Promise<Tables>;
  /**
   * The boot path's one statement: the state row's digest (`keys` with checksums, `ids` without),
   * when the row exists and vouches for the version table beside it in the database the ORM is
   * configured for; undefined otherwise (the caller then takes the full path).
   */
  readStateDigest(kind: 'keys' | 'ids'): Promise<string | undefined>;
  /**
   * One parameterless read outside any transaction, on a connection of the ORM's pool or the
   * ORM's own path; SQL built from locate()'s tables. MikroORM's query log sees it either way.
   */
  readRow(sql: string): Promise<Row | undefined>;
  /** True when `error` says a table (or the schema) of upshift's does not exist. */
  isMissingTable(error: unknown): boolean;
  /** True when `error` says a column named in the statement does not exist. */
  isMissingColumn(error: unknown): boolean;
  /** An aggregate joining `expression` over all rows with commas, in no particular order. */
  joinedList(expression: string): string;
  /**
   * Runs `work` in a transaction that no writer of the version table can interleave with.
   * Undefined, without waiting, when another transaction is writing the table now; 'missing'
   * when a table of upshift's does not exist (the caller creates them under the lock).
   */
  whileNoOneWrites<T>(work: (trx: Transaction) => Promise<T>): Promise<T | undefined | 'missing'>;
  /**
   * Takes the lock that guards one upgrade, downgrade or stamp, waiting up to the timeout.
   * While it waits, `options.whileWaiting` may read (on the waiting connection, never a second
   * one) whether the work is already done: then the wait ends with `{ abandoned }`.
   */
  acquire<W>(options: LockOptions<W>): Promise<{ lock: HeldLock } | { abandoned: W }>;
  /**
   * Runs `work` alone: no lock, no version row, in a transaction unless `transaction: false` says
   * otherwise here. For upshift/dev's private shadow database, where nobody else runs.
   */
  runAlone<T>(work: (trx: Transaction | undefined) => Promise<T>, options?: UnitOptions): Promise<T>;
  /**
   * The state-row digests of many schemas at once, in a small constant number of round trips
   * (PostgreSQL's tenants); absent where the database has no schemas. A schema without a state
   * row is left out.
   */
  readStateDigests?(
    registry: TenantRegistry,
    schemas: readonly string[],
    kind: 'keys' | 'ids',
  ): Promise<Map<string, string>>;
  /**
   * Tenants: where the registry of all tenants' digests is (in the app's own schema), handed to
   * every tenant's dialect (createDialect's `registry`); with `create`, created when missing.
   */
  tenantRegistry?(create: boolean): Promise<TenantRegistry>;
  /** Beside a tenant's state row, in the same transaction: its row in the registry readStateDigests reads. */
  writeRegistryRow?(trx: Transaction, digests: { keys: string; ids: string }): Promise<void>;
}

export type DialectName = 'postgresql' | 'sqlite' | 'mariadb';

/** What a dialect may refuse (Dialect.refuses). */
export type Refusable = 'dryRun' | 'offlineSql' | 'transactionAll' | 'tenants';

/** Where the registry of tenants is: the dialect's own business (see postgresql/tenant-registry.ts). */
export interface TenantRegistry {
  readonly table: string;
}

/** upshift's two tables, quoted and qualified, ready to paste into SQL. */
export interface Tables {
  readonly table: string;
  readonly stateTable: string;
}

/**
 * The lock, held: the one way upshift writes. Each unit of work runs in a write transaction under
 * the lock, with upshift's tables in place, and sees the applied set as read under the lock.
 * PostgreSQL holds one lock for the whole operation; where the lock lives only as long as a
 * transaction (SQLite's write lock, PgBouncer's transaction mode) each unit takes it again, so
 * each unit reads what is applied again: the caller never needs to know which.
 */
export interface HeldLock {
  /**
   * The version table's rows, to plan from. Under a lock held for the whole operation, read under
   * it (the tables exist afterwards) and true until it is released. Where the lock lasts one
   * transaction: the rows the caller read just before (`readBefore`), or read now, outside the
   * units, each of which re-validates its step under the lock anyway.
   */
  readApplied(readBefore?: readonly AppliedRevision[]): Promise<AppliedRevision[]>;
  /**
   * Runs `work` as one unit. With `transaction: false` (and a dialect that runs such revisions
   * outside a transaction) `unit.trx` is undefined and each record or unrecord commits on its own.
   * `foreignKeysOff`: SQLite's table-rebuild procedure for revisions that declare it (foreign keys
   * off around the transaction, every reference checked before its COMMIT).
   */
  unit<T>(work: (unit: Unit) => Promise<T>, options?: UnitOptions): Promise<T>;
  /**
   * Runs one revision step in `unit` where a dialect must run its statements itself (MariaDB/MySQL:
   * each DDL statement commits on its own, so progress is recorded per statement and a cut revision
   * resumes). `invoke` runs the revision with the given statement runner and returns its duration;
   * runStep returns it too. Absent elsewhere: the runner invokes the revision in the unit's transaction.
   */
  runStep?(
    unit: Unit,
    step: RevisionStepInfo,
    invoke: (statements: StepStatements) => Promise<number>,
  ): Promise<number>;
  /** Lets go of the lock. Never throws, never hangs: a lock it cannot release dies with its connection. */
  release(): Promise<void>;
}

/** The step runStep is asked to run. */
export interface RevisionStepInfo {
  readonly id: string;
  readonly direction: 'up' | 'down';
  /** The revision's checksum: a resume refuses a revision whose code changed since it was cut. */
  readonly checksum: string;
}

/** How a revision's ctx.sql and ctx.em reach the database during runStep. */
export interface StepStatements {
  /** Runs the revision's next ctx.sql statement (or skips it, when it committed before a crash). */
  sql(text: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Called when the revision first uses ctx.em: from then on it cannot be resumed. */
  usesEntityManager(): void;
  /** True when some of its statements have committed by now (DDL): a failure cannot roll them back. */
  readonly committedSome: boolean;
}

export interface UnitOptions {
  transaction?: boolean;
  /** Ids of the revisions that need foreign keys off (empty: none do). */
  foreignKeysOff?: readonly string[];
}

/** One unit of work under the lock. */
export interface Unit {
  /** The unit's transaction; undefined for work that runs outside one. */
  readonly trx: Transaction | undefined;
  /** Which of `ids` are applied, as read under the lock in this unit. */
  applied(ids: readonly string[]): Promise<ReadonlySet<string>>;
  /** Every row of the version table, as read under the lock in this unit. */
  rows(): Promise<AppliedRevision[]>;
  /** Writes version rows, fenced on the lock: they commit with the unit's work, or not at all. */
  record(rows: readonly RecordDetails[]): Promise<void>;
  /** Removes version rows, fenced on the lock. */
  unrecord(ids: readonly string[]): Promise<void>;
  /** Re-records a kept row's checksum (how stamp() accepts an edit). */
  rechecksum(id: string, checksum: string): Promise<void>;
}

/** Identifiers must match this before they are quoted: quoting is the second line of defence. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The state table's name: the version table's, with this suffix (tableName leaves room for it). */
export const STATE_SUFFIX = '_state';
/** MariaDB/MySQL: the table of per-statement progress beside the version table. */
export const PROGRESS_SUFFIX = '_progress';

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Runs a revision's unit with lock bounds; see lib/dialect/postgresql/ddl-limits.ts. */
export interface DdlGuard {
  /**
   * Runs `attempt` (one unit of work, rolled back whole when it throws) until it succeeds, runs
   * out of retries on a lock timeout (DdlLockTimeoutError), or fails otherwise (rethrown).
   * `limit(trx)` must be called first in the attempt's transaction.
   */
  retrying<T>(
    revisionId: string,
    limits: DdlLimits,
    attempt: (limit: (trx: Transaction) => Promise<void>) => Promise<T>,
  ): Promise<T>;
  /** How the statements of a `transaction: false` revision run (see postgresql/outside-statements.ts). */
  outside(revisionId: string, limits: DdlLimits): StatementGuard;
}

/** Runs the statements of one revision that has no transaction; `finish()` after its last. */
export interface StatementGuard {
  run(text: string, params: readonly unknown[]): Promise<Row[]>;
  /** Throws an UpshiftError when the revision left the database in a state it must not record. */
  finish(): Promise<void>;
}

/** `||`: string concatenation in standard SQL (PostgreSQL, SQLite). */
export function ansiConcat(...parts: string[]): string {
  return parts.join(' || ');
}

/** The state-row upsert of PostgreSQL and SQLite (3.24+): `on conflict ... do update`. */
export function onConflictStateRowUpsert(stateTable: string, columns: { keys: string; ids: string }): string {
  return (
    `insert into ${stateTable} ("id", "${columns.keys}", "${columns.ids}") values (1, ?, ?) ` +
    `on conflict ("id") do update set "${columns.keys}" = excluded."${columns.keys}", "${columns.ids}" = excluded."${columns.ids}"`
  );
}
