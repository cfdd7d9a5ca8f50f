import type { Transaction } from '@mikro-orm/core';
import type { Database } from '../../database.ts';
import { acquireWithin, type LockOptions } from '../../lock.ts';
import type { Store } from '../../store.ts';
import type { Tables, UnitOptions } from '../dialect.ts';
import { LockedUnits } from '../held-lock.ts';
import { createTableStatements } from './ddl.ts';
import { assertNoForeignKeyViolations, withForeignKeysOff } from './foreign-keys.ts';

/** The subset of better-sqlite3 that upshift touches directly. */
export interface BetterSqlite {
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare(sql: string): { get(): Record<string, unknown> | undefined };
  exec(sql: string): unknown;
}

/**
 * Makes a transaction the database's writer, without waiting: a no-op write as its first
 * statement takes the write lock (like BEGIN IMMEDIATE) or fails at once with busy_timeout 0, so
 * that waiting never blocks the event loop. One per operation: it reads the app's busy_timeout
 * once, puts it back after every attempt, and creates upshift's tables once, under the lock.
 */
export class WriteLockTaker {
  readonly #db: Database;
  readonly #name: string;
  readonly #tables: Tables;
  #busyTimeout: number | undefined;
  #tablesEnsured = false;

  constructor(db: Database, name: string, tables: Tables) {
    this.#db = db;
    this.#name = name;
    this.#tables = tables;
  }

  /** False when another connection holds the write lock. Any other failure is thrown. */
  async take(trx: Transaction): Promise<boolean> {
    if (this.#busyTimeout === undefined) {
      const [setting] = await this.#db.query<{ timeout: number }>('pragma busy_timeout', [], trx);
      this.#busyTimeout = Number(setting?.timeout ?? 5000);
    }
    await this.#db.query('pragma busy_timeout = 0', [], trx);
    try {
      let missing = false;
      try {
        await this.#db.run(`update ${this.#tables.table} set "id" = "id" where 1 = 0`, [], trx);
      } catch (error) {
        if (!/no such table/i.test((error as Error)?.message ?? '')) throw error;
        missing = true; // the first boot: creating the tables is the first write, and takes the lock
      }
      if (missing || !this.#tablesEnsured) {
        for (const sql of createTableStatements(this.#name, this.#tables)) await this.#db.run(sql, [], trx);
        this.#tablesEnsured = true;
      }
      return true;
    } catch (error) {
      if (isBusy(error)) return false;
      throw error;
    } finally {
      await this.#db.query(`pragma busy_timeout = ${this.#busyTimeout}`, [], trx);
    }
  }

  /** Begins a transaction and makes it the writer; undefined (rolled back) when another holds the lock. */
  async begin(): Promise<Transaction | undefined> {
    const trx = await this.#db.begin();
    let taken: boolean;
    try {
      taken = await this.take(trx);
    } catch (error) {
      // Whatever failed (a read-only file, a deleted one), the transaction must not stay open:
      // the ORM's one connection would wait for it forever.
      await this.#db.rollback(trx);
      throw error;
    }
    if (taken) return trx;
    await this.#db.rollback(trx);
    return undefined;
  }
}

/**
 * SQLite's own write lock, never a lock row: a lock row outlives a crashed holder, the write lock
 * dies with its transaction. It cannot outlive a transaction, so each unit takes it, polled until
 * the timeout, and reads what is applied again (LockedUnits).
 */
export class SqliteWriteLock extends LockedUnits {
  protected readonly keepsApplied = false;
  protected readonly runsOutsideTransactions = false;
  readonly #taker: WriteLockTaker;
  readonly #options: LockOptions;

  constructor(db: Database, store: Store, taker: WriteLockTaker, options: LockOptions) {
    super(db, store);
    this.#taker = taker;
    this.#options = options;
  }

  protected async beginUnit(): Promise<Transaction> {
    let trx: Transaction | undefined;
    await acquireWithin(
      {
        what: 'SQLite write lock',
        tryAcquire: async () => (trx = await this.#taker.begin()) !== undefined,
        // SQLite does not say which connection holds its write lock.
        holder: async () => undefined,
      },
      { ...this.#options, whileWaiting: undefined },
    );
    return trx!;
  }

  /** SQLite's table-rebuild procedure, for the units whose revisions declare disableForeignKeys. */
  protected override aroundTransaction<T>(
    options: UnitOptions,
    run: (check: (trx: Transaction) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    const ids = options.foreignKeysOff ?? [];
    if (ids.length === 0) return run(async () => undefined);
    return withForeignKeysOff(this.db, ids, (wereOn) =>
      run(async (trx) => (wereOn ? assertNoForeignKeyViolations(this.db, trx, ids) : undefined)),
    );
  }
}

/**
 * After a COMMIT or ROLLBACK that failed because SQLite had already ended the transaction itself
 * (a deleted or moved file, a full disk): MikroORM releases its one connection only after a
 * ROLLBACK that succeeds, so every later query of the app would wait forever. A transaction opened
 * again on the native connection gives that ROLLBACK something to end.
 */
export async function recoverConnection(db: Database, trx: Transaction): Promise<void> {
  const sqlite = await db.nativeClient<BetterSqlite>();
  if (!sqlite?.open || sqlite.inTransaction) return;
  sqlite.exec('begin');
  if (!(await db.rollback(trx)) && sqlite.inTransaction) sqlite.exec('rollback');
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === 'SQLITE_BUSY' ||
    code === 'SQLITE_LOCKED' ||
    (error instanceof Error && /database is locked/i.test(error.message))
  );
}
