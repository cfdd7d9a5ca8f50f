import type { EntityManager, MikroORM, Transaction } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import { within } from './deadline.ts';

export type Row = Record<string, unknown>;

/**
 * The few things upshift asks of MikroORM's connection, in one place: raw statements (with `?`
 * placeholders, which MikroORM formats) on the ORM's own connections, so that the app's connection
 * hooks run on them; explicit transactions; an EntityManager bound to one; and, where it is safe,
 * the driver MikroORM wraps. Explicit begin/commit, rather than `em.transactional`, lets a unit of
 * work put a revision and its version row in one transaction.
 */
export class Database {
  readonly orm: MikroORM;
  readonly connection: AbstractSqlConnection;
  /** How long begin() waits for a connection of the ORM's pool before it gives up. */
  readonly connectionWaitMs: number;

  constructor(orm: MikroORM, connectionWaitMs = Number.POSITIVE_INFINITY) {
    this.orm = orm;
    this.connection = orm.em.getConnection() as unknown as AbstractSqlConnection;
    this.connectionWaitMs = connectionWaitMs;
  }

  async query<T = Row>(sql: string, params: readonly unknown[] = [], trx?: Transaction): Promise<T[]> {
    return (await this.connection.execute(sql, params, 'all', trx)) as T[];
  }

  /** Runs a write and returns how many rows it changed. */
  async run(sql: string, params: readonly unknown[] = [], trx?: Transaction): Promise<number> {
    const res = (await this.connection.execute(sql, params, 'run', trx)) as { affectedRows?: number };
    return res.affectedRows ?? 0;
  }

  /**
   * The driver MikroORM wraps (pg Pool, better-sqlite3 Database); undefined when the app passed a
   * Kysely instance or dialect of its own in driverOptions, which owns it. Any other failure
   * (the first connect, MikroORM's creation of a missing database) is the caller's to see.
   */
  async nativeClient<T>(): Promise<T | undefined> {
    const options = this.orm.config.get('driverOptions') as unknown;
    const owned =
      typeof options === 'function' ||
      (typeof options === 'object' && options !== null && ('createDriver' in options || 'executeQuery' in options));
    if (owned) return undefined;
    return (await this.connection.getNativeClient()) as T;
  }

  /**
   * Whether the app runs code on the ORM's connections that may change how names resolve
   * (`onCreateConnection`, `onReserveConnection`, session context per connection): then only
   * MikroORM's own path resolves names as the app's queries do.
   */
  hasConnectionHooks(): boolean {
    const config = this.orm.config;
    const own = (this.connection as unknown as { options?: Record<string, unknown> }).options ?? {};
    return Boolean(
      config.get('onCreateConnection') ||
        config.get('onReserveConnection') ||
        own.onCreateConnection ||
        own.onReserveConnection ||
        config.get('sessionContext') === 'connection',
    );
  }

  /**
   * Runs a statement that `send` puts on the native driver, and reports it to MikroORM's query
   * log as execute() would have: an app debugging its queries still sees every one upshift sends.
   * Without a query log, `send()` alone: this is the boot path, and every await costs there.
   */
  logged<T>(sql: string, send: () => T): T | Promise<Awaited<T>> {
    const logger = this.orm.config.getLogger();
    if (!logger.isEnabled('query')) return send();
    return (async (): Promise<Awaited<T>> => {
      const started = Date.now();
      try {
        const result = await send();
        logger.logQuery({
          query: sql,
          took: Date.now() - started,
          results: result === undefined ? 0 : 1,
          level: 'info',
        });
        return result;
      } catch (error) {
        logger.logQuery({ query: sql, took: Date.now() - started, level: 'error' });
        throw error;
      }
    })();
  }

  /**
   * Begins a transaction on a connection of the ORM's pool, waiting at most connectionWaitMs for
   * one: a pool whose connections were all lost and never given back would make it wait forever.
   * A transaction that begins after the deadline is rolled back at once.
   */
  begin(): Promise<Transaction> {
    // kysely keeps the connection of a transaction whose BEGIN failed (on a connection that died
    // while idle in the pool, say) checked out for good: the dialect's recovery gives it back.
    const begun = this.connection.begin().catch(async (error: unknown) => {
      await this.#recover?.(undefined).catch(() => undefined);
      throw error;
    });
    return within(
      begun,
      this.connectionWaitMs,
      () =>
        new Error(
          `no connection of the ORM's pool became free within ${this.connectionWaitMs} ms (every connection is in use, or was lost and never given back to the pool)`,
        ),
      (late) => this.rollback(late),
    );
  }

  commit(trx: Transaction): Promise<void> {
    return this.connection.commit(trx as never);
  }

  /**
   * Never throws: a failing rollback (say, on a dead connection) must not hide why we rolled
   * back. Returns whether it worked. When it did not, the ORM may still hold the connection (MikroORM
   * releases one only after a ROLLBACK that succeeds), so the dialect's recovery gives it back:
   * every path that rolls back, upshift's units and dry runs alike, leaves the app's pool whole.
   */
  async rollback(trx: Transaction): Promise<boolean> {
    try {
      await this.connection.rollback(trx as never);
      return true;
    } catch {
      await this.#recover?.(trx).catch(() => undefined);
      return false;
    }
  }

  #recover: ((trx: Transaction | undefined) => Promise<void>) | undefined;

  /**
   * Set once by the dialect: how to give back a connection whose transaction could not be rolled
   * back, or (`trx` undefined) could not begin.
   */
  recoverWith(recover: (trx: Transaction | undefined) => Promise<void>): void {
    this.#recover = recover;
  }

  /** A fresh EntityManager; bound to `trx` when given, so a revision's em writes commit with it. */
  entityManager(trx?: Transaction, schema?: string): EntityManager {
    const em = this.orm.em.fork({ clear: true, ...(schema ? { schema } : {}) });
    if (trx) em.setTransactionContext(trx);
    return em;
  }

  /** Runs `work` in a transaction: commit on success, rollback (and rethrow) on error. */
  async transaction<T>(
    work: (trx: Transaction) => Promise<T>,
    begin: () => Promise<Transaction> = () => this.begin(),
  ): Promise<T> {
    const trx = await begin();
    try {
      const result = await work(trx);
      await this.commit(trx);
      return result;
    } catch (error) {
      await this.rollback(trx);
      throw error;
    }
  }
}
