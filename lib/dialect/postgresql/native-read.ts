import { sha256Hex } from '../../crypto.ts';
import type { Database, Row } from '../../database.ts';
import { within } from '../../deadline.ts';
import type { PgClient, PgLockPool } from './lock-session.ts';

interface PgPool extends PgLockPool {
  readonly ending: boolean;
}

type ReadQuery = string | Readonly<{ name: string; text: string }>;

/**
 * One-row reads straight on the pg Pool MikroORM made, for the boot path and the reads of a
 * replica that waits: MikroORM's execute() adds measurably to a read this small (bench/1), and a
 * named statement is parsed and planned once per connection instead of on every boot. A raw
 * connection may be one the app's connection hooks never ran on, so only SQL whose names do not
 * depend on the connection's settings is sent this way (see PostgreSqlDialect).
 */
export class NativeRead {
  readonly #db: Database;
  readonly #prepared: boolean;
  /** Read queries by text; a named statement's name is derived from its text, as node-postgres refuses one name for two texts. */
  readonly #queries = new Map<string, ReadQuery>();
  #pool: PgPool | undefined;

  /**
   * `prepared`: send named statements. Not behind a transaction-pooling proxy: the next statement
   * may land on a server connection that never saw the statement.
   */
  constructor(db: Database, prepared: boolean) {
    this.#db = db;
    this.#prepared = prepared;
  }

  /** The pool, kept between calls; an ending pool means MikroORM has closed it and makes a new one. */
  async pool(): Promise<PgPool | undefined> {
    if (!this.#pool || this.#pool.ending) this.#pool = await this.#db.nativeClient<PgPool>();
    return this.#pool?.ending ? undefined : this.#pool;
  }

  /** On the pool when MikroORM owns one, else through MikroORM (which reconnects or says why not). */
  read(sql: string): Promise<Row | undefined> {
    const pool = this.#pool;
    // No async frame of its own when the pool is known: this is the whole of a no-op boot.
    if (pool && !pool.ending) return this.#db.logged(sql, () => this.#firstRowOnPool(pool, this.#queryOf(sql)));
    return this.#readOnNewPool(sql);
  }

  /** On a given connection (the waiting lock's), with the same named statements. */
  readOn(client: PgClient, sql: string): Promise<Row | undefined> {
    return this.#db.logged(sql, async () => (await client.query<Row>(this.#queryOf(sql))).rows[0]);
  }

  async #readOnNewPool(sql: string): Promise<Row | undefined> {
    const pool = await this.pool();
    if (!pool) return (await this.#db.query(sql))[0];
    return this.read(sql);
  }

  /** The query as node-postgres takes it, made once per text (it reads the object, never writes it). */
  #queryOf(sql: string): ReadQuery {
    let query = this.#queries.get(sql);
    if (!query)
      this.#queries.set(
        sql,
        (query = this.#prepared ? Object.freeze({ name: `upshift_${sha256Hex(sql).slice(0, 16)}`, text: sql }) : sql),
      );
    return query;
  }

  /**
   * Not pool.query(): it closes the connection on any error, and on a first boot the read fails
   * because the table does not exist yet. That is no reason to start a new server process for the
   * next query, on the path where many replicas boot at once. A connection that did break, the
   * pool closes on release by itself. Taking a connection is bounded: a pool whose connections
   * were lost and never given back would make it wait forever.
   */
  async #firstRowOnPool(pool: PgPool, query: ReadQuery): Promise<Row | undefined> {
    const client = await within(
      pool.connect(),
      this.#db.connectionWaitMs,
      () => new Error(`no connection of the ORM's pool became free within ${this.#db.connectionWaitMs} ms`),
      (late) => late.release(),
    );
    try {
      return (await client.query<Row>(query)).rows[0];
    } finally {
      client.release();
    }
  }
}
