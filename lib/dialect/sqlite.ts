import type { Transaction } from '@mikro-orm/core';
import type { Database, Row } from '../database.ts';
import { acquireWithin, type LockOptions } from '../lock.ts';
import { quoteIdentifier, STATE_SUFFIX, type Dialect, type HeldLock, type VersionTable } from './dialect.ts';

/** The subset of better-sqlite3 that the boot read needs. */
interface BetterSqlite {
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare(sql: string): { get(): Row | undefined };
}

/** What one operation (an upgrade, a stamp, a state refresh) learns once and keeps. */
interface OperationState {
  /** The app's busy_timeout, read at the operation's first write transaction. */
  busyTimeout?: number;
  /** Both tables are known to exist (created, if one was missing, under the write lock). */
  tablesEnsured?: boolean;
}

export class SqliteDialect implements Dialect {
  readonly name = 'sqlite' as const;
  readonly table: string;
  readonly stateTable: string;
  readonly #db: Database;
  readonly #name: string;
  #sqlite: BetterSqlite | undefined;
  /** The boot read, prepared once per connection (MikroORM prepares every statement it runs). */
  #prepared: { on: BetterSqlite; sql: string; statement: { get(): Row | undefined } } | undefined;

  constructor(db: Database, versionTable: VersionTable) {
    this.#db = db;
    this.#name = versionTable.name;
    this.table = quoteIdentifier(versionTable.name);
    this.stateTable = quoteIdentifier(versionTable.name + STATE_SUFFIX);
  }

  createTableStatements(): string[] {
    return [
      `create table if not exists ${this.table} (` +
        '"id" text primary key not null, "parents" text not null, "message" text not null, ' +
        '"checksum" text not null, "applied_at" text not null, ' +
        '"duration_ms" integer not null, "applied_by" text not null)',
      `create table if not exists ${this.stateTable} ("id" integer primary key not null, "keys_digest" text not null, "ids_digest" text not null)`,
      // Any change to the version table deletes the state row in the same transaction, whoever
      // makes it: upshift, or a hand edit. SQLite triggers fire per row and per event, and their
      // names are per database: hence three, named after the table. `where 1` deletes every row
      // all the same, but row by row: without a WHERE, SQLite empties the table by clearing its
      // root page, which it then journals and writes again on every version-table write, even
      // though the table is already empty after the first. (`1`, not `true`: the schema must
      // still parse in a SQLite older than 3.23, say an old sqlite3 shell opening the file.)
      ...(['insert', 'update', 'delete'] as const).map(
        (event) =>
          `create trigger if not exists ${quoteIdentifier(`${this.#name}_clear_state_on_${event}`)} after ${event} on ${this.table} ` +
          `begin delete from ${this.stateTable} where 1; end`,
      ),
    ];
  }

  isMissingTable(error: unknown): boolean {
    return error instanceof Error && /no such table/i.test(error.message);
  }

  joinedList(expression: string): string {
    return `group_concat(${expression}, ',')`;
  }

  async readRow(sql: string): Promise<Row | undefined> {
    // Kept between calls; a closed one means MikroORM has reconnected, or will on the next ask.
    if (!this.#sqlite?.open) this.#sqlite = await this.#db.nativeClient<BetterSqlite>();
    const sqlite = this.#sqlite;
    // The app and upshift share one connection. While a transaction is open on it, a read here
    // would see that transaction's uncommitted rows; MikroORM's execute() waits for it to end.
    if (sqlite?.inTransaction !== false || typeof sqlite.prepare !== 'function') return (await this.#db.query(sql))[0];
    try {
      return await this.#db.logged(sql, () => {
        if (this.#prepared?.on !== sqlite || this.#prepared.sql !== sql) {
          this.#prepared = { on: sqlite, sql, statement: sqlite.prepare(sql) };
        }
        return this.#prepared.statement.get();
      });
    } catch (error) {
      // A streamed query is still reading rows on the connection: MikroORM's queue waits for it.
      if (error instanceof TypeError && /busy executing a query/.test(error.message)) return (await this.#db.query(sql))[0];
      throw error;
    }
  }

  async whileNoOneWrites<T>(work: (trx: Transaction) => Promise<T>): Promise<T | undefined> {
    const trx = await this.#db.begin();
    let locked: boolean;
    try {
      locked = await this.takeWriteLock(trx, {});
    } catch (error) {
      await this.#db.rollback(trx);
      throw error;
    }
    if (!locked) {
      await this.#db.rollback(trx);
      return undefined;
    }
    return this.#db.transaction(work, async () => trx);
  }

  /**
   * Makes `trx` the writer, without waiting: a no-op write as its first statement takes the
   * database's write lock (like BEGIN IMMEDIATE) or fails at once with busy_timeout 0, so that
   * waiting never blocks the event loop. False when another connection holds the write lock.
   */
  async takeWriteLock(trx: Transaction, operation: OperationState): Promise<boolean> {
    // The app's own busy_timeout, read once per operation, is put back after every attempt.
    if (operation.busyTimeout === undefined) {
      const [setting] = await this.#db.query<{ timeout: number }>('pragma busy_timeout', [], trx);
      operation.busyTimeout = Number(setting?.timeout ?? 5000);
    }
    await this.#db.query('pragma busy_timeout = 0', [], trx);
    try {
      let missing = false;
      try {
        await this.#db.run(`update ${this.table} set "id" = "id" where 1 = 0`, [], trx);
      } catch (error) {
        if (!this.isMissingTable(error)) throw error;
        missing = true; // the first boot: creating the tables is the first write, and takes the lock
      }
      // Also once per operation, under the write lock: "if not exists" then brings back a state
      // table dropped by hand, which the triggers of every version-table write need, and the
      // triggers themselves on a table made before upshift had them.
      if (missing || !operation.tablesEnsured) {
        for (const sql of this.createTableStatements()) await this.#db.run(sql, [], trx);
        operation.tablesEnsured = true;
      }
      return true;
    } catch (error) {
      if (isBusy(error)) return false;
      throw error;
    } finally {
      await this.#db.query(`pragma busy_timeout = ${operation.busyTimeout}`, [], trx);
    }
  }

  async acquire(options: LockOptions): Promise<HeldLock> {
    // Each transaction re-checks its revision under the write lock, so there is nothing to abandon.
    return new SqliteWriteLock(this.#db, this, { timeoutMs: options.timeoutMs, logger: options.logger });
  }
}

/**
 * SQLite's own write lock, never a lock row: a lock row outlives a crashed holder, the write
 * lock dies with its transaction. It cannot outlive a transaction, so each write transaction
 * takes it (SqliteDialect.takeWriteLock), polled until the timeout.
 */
class SqliteWriteLock implements HeldLock {
  readonly scope = 'transaction' as const;
  readonly #db: Database;
  readonly #dialect: SqliteDialect;
  readonly #options: LockOptions;
  readonly #operation: OperationState = {};

  constructor(db: Database, dialect: SqliteDialect, options: LockOptions) {
    this.#db = db;
    this.#dialect = dialect;
    this.#options = options;
  }

  async begin(): Promise<Transaction> {
    let trx: Transaction | undefined;
    await acquireWithin(
      {
        what: 'SQLite write lock',
        tryAcquire: async () => {
          const attempt = await this.#db.begin();
          if (await this.#dialect.takeWriteLock(attempt, this.#operation)) {
            trx = attempt;
            return true;
          }
          await this.#db.rollback(attempt);
          return false;
        },
        // SQLite does not say which connection holds its write lock.
        holder: async () => undefined,
      },
      this.#options,
    );
    return trx!;
  }

  fence(): { sql: string; params: unknown[] } {
    // The transaction holds the write lock itself: nobody else can have written meanwhile.
    return { sql: '1 = 1', params: [] };
  }

  assertHeld(): void {}

  /** The write lock belongs to the transaction itself. */
  async confirm(): Promise<void> {}

  async release(): Promise<void> {}
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || (error instanceof Error && /database is locked/i.test(error.message));
}
