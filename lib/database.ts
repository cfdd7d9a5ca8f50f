import type { EntityManager, MikroORM, Transaction } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/sql';

export type Row = Record<string, unknown>;

/**
 * The few things upshift asks of MikroORM's connection, in one place: raw statements (with `?`
 * placeholders, which MikroORM formats), explicit transactions, and an EntityManager bound to one.
 * Explicit begin/commit, rather than `em.transactional`, lets the runner put the revision and its
 * version row in one transaction and decide, per dialect, what the first statement in it is.
 */
export class Database {
  readonly orm: MikroORM;
  readonly connection: AbstractSqlConnection;

  constructor(orm: MikroORM) {
    this.orm = orm;
    this.connection = orm.em.getConnection() as unknown as AbstractSqlConnection;
  }

  async query<T = Row>(sql: string, params: readonly unknown[] = [], trx?: Transaction): Promise<T[]> {
    return (await this.connection.execute(sql, params, 'all', trx)) as T[];
  }

  /** Runs a write and returns how many rows it changed. */
  async run(sql: string, params: readonly unknown[] = [], trx?: Transaction): Promise<number> {
    const res = (await this.connection.execute(sql, params, 'run', trx)) as { affectedRows?: number };
    return res.affectedRows ?? 0;
  }

  /** The driver MikroORM wraps (pg Pool, better-sqlite3 Database); undefined when it does not own one. */
  async nativeClient<T>(): Promise<T | undefined> {
    try {
      return (await this.connection.getNativeClient()) as T;
    } catch {
      // A Kysely instance or dialect passed in driverOptions owns it: the caller uses query().
      return undefined;
    }
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
        logger.logQuery({ query: sql, took: Date.now() - started, results: result === undefined ? 0 : 1, level: 'info' });
        return result;
      } catch (error) {
        logger.logQuery({ query: sql, took: Date.now() - started, level: 'error' });
        throw error;
      }
    })();
  }

  begin(): Promise<Transaction> {
    return this.connection.begin();
  }

  commit(trx: Transaction): Promise<void> {
    return this.connection.commit(trx as never);
  }

  /** Never throws: a failing rollback (say, on a dead connection) must not hide why we rolled back. */
  async rollback(trx: Transaction): Promise<void> {
    try {
      await this.connection.rollback(trx as never);
    } catch {
      // The transaction is gone with its connection either way.
    }
  }

  /** A fresh EntityManager; bound to `trx` when given, so a revision's em writes commit with it. */
  entityManager(trx?: Transaction): EntityManager {
    const em = this.orm.em.fork({ clear: true });
    if (trx) em.setTransactionContext(trx);
    return em;
  }

  /** Runs `work` in a transaction: commit on success, rollback (and rethrow) on error. */
  async transaction<T>(work: (trx: Transaction) => Promise<T>, begin: () => Promise<Transaction> = () => this.begin()): Promise<T> {
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
