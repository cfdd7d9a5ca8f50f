import type { Transaction } from '@mikro-orm/core';
import type { Row } from '../database.ts';
import type { LockOptions } from '../lock.ts';

/** Where the version table lives. Both names are validated before they reach SQL. */
export interface VersionTable {
  readonly name: string;
  /** PostgreSQL schema; undefined: the connection's search_path decides. */
  readonly schema: string | undefined;
}

/**
 * What differs between the databases upshift supports, and nothing else: the runner, store and
 * migrator are written once against this interface (kysely's dialect adapters are the model).
 */
export interface Dialect {
  readonly name: 'postgresql' | 'sqlite';
  /** The version table, quoted and schema-qualified, ready to paste into SQL. */
  readonly table: string;
  /**
   * The state table beside it, same quoting: at most one row, the digests of the version table
   * as upshift last wrote it (see applied-digest.ts). The boot path reads that row instead of
   * the version table.
   */
  readonly stateTable: string;
  /**
   * Statements that create the version and state tables when missing, and the trigger that
   * deletes the state row whenever the version table changes. Run under the lock only.
   */
  createTableStatements(): string[];
  /** True when `error` says the version table does not exist (the first boot). */
  isMissingTable(error: unknown): boolean;
  /** An aggregate joining `expression` over all rows with commas, in no particular order. */
  joinedList(expression: string): string;
  /**
   * Runs one parameterless read outside any transaction and returns its first row: the boot
   * path's one statement. Sent on the driver itself where that is safe, through MikroORM where it
   * is not; MikroORM's query log sees it either way.
   */
  readRow(sql: string): Promise<Row | undefined>;
  /**
   * Runs `work` in a transaction that no writer of the version table can interleave with, so
   * what it reads of the table stays true until it commits. Undefined, without waiting, when
   * another transaction is writing the table now (or the table does not exist yet).
   */
  whileNoOneWrites<T>(work: (trx: Transaction) => Promise<T>): Promise<T | undefined>;
  /**
   * Takes the lock that guards one upgrade, downgrade or stamp. With scope 'transaction' the
   * lock is taken by each transaction that `begin()` opens (PostgreSQL: pg_advisory_xact_lock).
   * Undefined when `options.abandon` said, while waiting, that nothing is left to do.
   */
  acquire(options: LockOptions, scope?: 'session' | 'transaction'): Promise<HeldLock | undefined>;
}

/**
 * A lock held by this process. PostgreSQL holds one for the whole operation; SQLite has no lock
 * that outlives a transaction, so each write transaction takes the database's write lock.
 */
export interface HeldLock {
  /**
   * 'session': held across transactions, so the applied set read after acquiring stays true.
   * 'transaction': only a transaction holds it, so each one must re-check what is applied.
   */
  readonly scope: 'session' | 'transaction';
  /** Begins a write transaction under the lock. */
  begin(): Promise<Transaction>;
  /**
   * A SQL condition that is true only while this process still holds the lock. Version-row
   * writes carry it, so a revision can never commit after the lock was lost (fencing).
   */
  fence(): { sql: string; params: unknown[] };
  /** Throws LockLostError when the lock is known to be gone. */
  assertHeld(): void;
  /**
   * Asks the database, inside `trx`, whether the lock is still held; throws LockLostError if
   * not. For a long transaction just before it commits, where the per-row fence may have read
   * a snapshot taken at the transaction's start.
   */
  confirm(trx: Transaction): Promise<void>;
  release(): Promise<void>;
}

/** Identifiers must match this before they are quoted: quoting is the second line of defence. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The state table's name: the version table's, with this suffix (tableName leaves room for it). */
export const STATE_SUFFIX = '_state';

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
