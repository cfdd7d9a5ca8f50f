import type { Transaction } from '@mikro-orm/core';
import type { Database, Row } from '../../database.ts';
import type { LockOptions } from '../../lock.ts';
import { STATE_COLUMNS } from '../../state-row.ts';
import { Store } from '../../store.ts';
import {
  ansiConcat,
  onConflictStateRowUpsert,
  quoteIdentifier,
  STATE_SUFFIX,
  type Dialect,
  type HeldLock,
  type Tables,
  type UnitOptions,
} from '../dialect.ts';
import { assertNoForeignKeyViolations, withForeignKeysOff } from './foreign-keys.ts';
import { recoverConnection, SqliteWriteLock, WriteLockTaker, type BetterSqlite } from './write-lock.ts';

export class SqliteDialect implements Dialect {
  readonly name = 'sqlite' as const;
  readonly runsOutsideTransactions = false;
  readonly quote = quoteIdentifier;
  readonly concat = ansiConcat;
  readonly #db: Database;
  readonly #name: string;
  /** SQLite has no schemas to resolve: the names are the same on every connection. */
  readonly #tables: Tables;
  readonly #bootSql: Record<'keys' | 'ids', string>;
  #sqlite: BetterSqlite | undefined;
  /** The boot read, prepared once per connection (MikroORM prepares every statement it runs). */
  #prepared: { on: BetterSqlite; sql: string; statement: { get(): Row | undefined } } | undefined;

  constructor(db: Database, name: string) {
    this.#db = db;
    // A BEGIN that fails leaves nothing to roll back; nothing is known to recover then.
    db.recoverWith(async (trx) => {
      if (trx) await recoverConnection(db, trx);
    });
    this.#name = name;
    this.#tables = { table: quoteIdentifier(name), stateTable: quoteIdentifier(name + STATE_SUFFIX) };
    // The row vouches for the version table, so the read names it (never scanned: `where false`).
    // A version table dropped by hand takes its triggers with it and leaves the row behind; the
    // read then fails as a missing table, and the boot takes the full path instead of trusting it.
    const read = (kind: 'keys' | 'ids') =>
      `select "${STATE_COLUMNS[kind]}" as "digest" from ${this.#tables.stateTable} where not exists (select 1 from ${this.#tables.table} where false)`;
    this.#bootSql = { keys: read('keys'), ids: read('ids') };
  }

  async locate(): Promise<Tables> {
    return this.#tables;
  }

  async readStateDigest(kind: 'keys' | 'ids'): Promise<string | undefined> {
    try {
      return (await this.readRow(this.#bootSql[kind]))?.digest as string | undefined;
    } catch (error) {
      if (this.isMissingTable(error)) return undefined;
      throw error;
    }
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
      if (error instanceof TypeError && /busy executing a query/.test(error.message))
        return (await this.#db.query(sql))[0];
      throw error;
    }
  }

  isMissingTable(error: unknown): boolean {
    return error instanceof Error && /no such table/i.test(error.message);
  }

  isMissingColumn(error: unknown): boolean {
    return error instanceof Error && /no such column/i.test(error.message);
  }

  stateRowUpsert(stateTable: string): string {
    return onConflictStateRowUpsert(stateTable, STATE_COLUMNS);
  }

  joinedList(expression: string): string {
    return `group_concat(${expression}, ',')`;
  }

  /** Taking the write lock creates upshift's tables when missing, so there is never 'missing' here. */
  async whileNoOneWrites<T>(work: (trx: Transaction) => Promise<T>): Promise<T | undefined> {
    const trx = await new WriteLockTaker(this.#db, this.#name, this.#tables).begin();
    if (!trx) return undefined;
    try {
      const result = await work(trx);
      await this.#db.commit(trx);
      return result;
    } catch (error) {
      await this.#db.rollback(trx);
      throw error;
    }
  }

  runAlone<T>(work: (trx: Transaction | undefined) => Promise<T>, options: UnitOptions = {}): Promise<T> {
    const ids = options.foreignKeysOff ?? [];
    const run = (check: boolean) =>
      this.#db.transaction(async (trx) => {
        const result = await work(trx);
        if (check) await assertNoForeignKeyViolations(this.#db, trx, ids);
        return result;
      });
    return ids.length > 0 ? withForeignKeysOff(this.#db, ids, run) : run(false);
  }

  /** Nothing to wait for here: each unit takes the write lock itself. */
  async acquire<W>(options: LockOptions<W>): Promise<{ lock: HeldLock }> {
    const store = new Store(this.#db, this, this.#tables);
    return {
      lock: new SqliteWriteLock(
        this.#db,
        store,
        new WriteLockTaker(this.#db, this.#name, this.#tables),
        options as LockOptions,
      ),
    };
  }
}
