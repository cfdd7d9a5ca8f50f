import type { Transaction } from '@mikro-orm/core';
import type { Database, Row } from '../database.ts';
import { acquireWithin, type LockOptions } from '../lock.ts';
import { quoteIdentifier, type Dialect, type HeldLock, type VersionTable } from './dialect.ts';

/** The subset of better-sqlite3 that the boot read needs. */
interface BetterSqlite {
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare(sql: string): { get(): Row | undefined };
}

export class SqliteDialect implements Dialect {
  readonly name = 'sqlite' as const;
  readonly table: string;
  readonly #db: Database;
  #sqlite: BetterSqlite | undefined;
  /** The boot read, prepared once per connection (MikroORM prepares every statement it runs). */
  #prepared: { on: BetterSqlite; sql: string; statement: { get(): Row | undefined } } | undefined;

  constructor(db: Database, versionTable: VersionTable) {
    this.#db = db;
    this.table = quoteIdentifier(versionTable.name);
  }

  createTableStatements(): string[] {
    return [
      `create table if not exists ${this.table} (` +
        '"id" text primary key not null, "parents" text not null, "message" text not null, ' +
        '"checksum" text not null, "applied_at" text not null, ' +
        '"duration_ms" integer not null, "applied_by" text not null)',
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

  async acquire(options: LockOptions): Promise<HeldLock> {
    // Each transaction re-checks its revision under the write lock, so there is nothing to abandon.
    return new SqliteWriteLock(this.#db, this, { timeoutMs: options.timeoutMs, logger: options.logger });
  }
}

/**
 * SQLite's own write lock, never a lock row: a lock row outlives a crashed holder, the write
 * lock dies with its transaction. It cannot outlive a transaction, so each write transaction
 * takes it with a no-op write as its first statement (like BEGIN IMMEDIATE), polled with
 * busy_timeout 0 so that waiting never blocks the event loop.
 */
class SqliteWriteLock implements HeldLock {
  readonly scope = 'transaction' as const;
  readonly #db: Database;
  readonly #dialect: SqliteDialect;
  readonly #options: LockOptions;
  #busyTimeout: number | undefined;

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
          if (await this.#takeWriteLock(attempt)) {
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

  async #takeWriteLock(trx: Transaction): Promise<boolean> {
    // The app's own busy_timeout, read once per operation, is put back after every attempt.
    if (this.#busyTimeout === undefined) {
      const [setting] = await this.#db.query<{ timeout: number }>('pragma busy_timeout', [], trx);
      this.#busyTimeout = Number(setting?.timeout ?? 5000);
    }
    await this.#db.query('pragma busy_timeout = 0', [], trx);
    try {
      try {
        await this.#db.run(`update ${this.#dialect.table} set "id" = "id" where 1 = 0`, [], trx);
      } catch (error) {
        if (!this.#dialect.isMissingTable(error)) throw error;
        // The first boot: creating the table is itself the first write, and takes the lock.
        for (const sql of this.#dialect.createTableStatements()) await this.#db.run(sql, [], trx);
      }
      return true;
    } catch (error) {
      if (isBusy(error)) return false;
      throw error;
    } finally {
      await this.#db.query(`pragma busy_timeout = ${this.#busyTimeout}`, [], trx);
    }
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
