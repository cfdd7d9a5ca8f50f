import type { Transaction } from '@mikro-orm/core';
import { randomBytes, sha256Hex, sha256Int64 } from '../crypto.ts';
import type { Database, Row } from '../database.ts';
import { LockLostError, type LockHolder } from '../errors.ts';
import { acquireWithin, type LockOptions } from '../lock.ts';
import { instanceName } from '../instance.ts';
import { quoteIdentifier, STATE_SUFFIX, type Dialect, type HeldLock, type VersionTable } from './dialect.ts';
import { advisoryHolder, PostgreSqlXactLock } from './postgresql-xact-lock.ts';

/** The subset of node-postgres that the lock needs. */
interface PgClient {
  connect(): Promise<void>;
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
  on(event: 'error' | 'end', listener: (error?: Error) => void): void;
  on(event: 'notification', listener: (message?: { channel: string }) => void): void;
}
interface PgPool {
  options: Record<string, unknown>;
  Client: new (options: Record<string, unknown>) => PgClient;
  query(query: string | { name: string; text: string }): Promise<{ rows: Row[] }>;
  readonly ending: boolean;
}

/** The trigger on the version table that clears the state row. Trigger names are per table here. */
const CLEAR_STATE_TRIGGER = 'upshift_clear_state';

export interface PostgreSqlOptions {
  /**
   * Send the boot read as a named statement, planned once per pooled connection. Not behind a
   * transaction-pooling proxy (lock.scope "transaction"): the next transaction may land on a
   * server connection that never saw the statement.
   */
  preparedReads: boolean;
}

export class PostgreSqlDialect implements Dialect {
  readonly name = 'postgresql' as const;
  readonly table: string;
  readonly stateTable: string;
  readonly #db: Database;
  readonly #versionTable: VersionTable;
  readonly #preparedReads: boolean;
  readonly #statementNames = new Map<string, string>();
  #pool: PgPool | undefined;
  #key: Promise<bigint> | undefined;

  constructor(db: Database, versionTable: VersionTable, options: PostgreSqlOptions) {
    this.#db = db;
    this.#versionTable = versionTable;
    this.#preparedReads = options.preparedReads;
    const { schema, name } = versionTable;
    const qualified = (table: string) => (schema ? `${quoteIdentifier(schema)}.${quoteIdentifier(table)}` : quoteIdentifier(table));
    this.table = qualified(name);
    this.stateTable = qualified(name + STATE_SUFFIX);
  }

  createTableStatements(): string[] {
    const { schema } = this.#versionTable;
    return [
      ...(schema ? [`create schema if not exists ${quoteIdentifier(schema)}`] : []),
      `create table if not exists ${this.table} (` +
        '"id" varchar(64) primary key, "parents" text not null, "message" text not null, ' +
        '"checksum" varchar(80) not null, "applied_at" timestamptz not null, ' +
        '"duration_ms" integer not null, "applied_by" varchar(255) not null)',
      `create table if not exists ${this.stateTable} ("id" integer primary key, "keys_digest" varchar(80) not null, "ids_digest" varchar(80) not null)`,
      this.#clearStateTrigger(),
    ];
  }

  /**
   * Any change to the version table deletes the state row in the same transaction, whoever makes
   * it: upshift, or a person fixing the table by hand at 3 a.m. One statement-level trigger
   * (TRUNCATE included), created once; the check makes running this under every lock cheap. The
   * function (named like the state table: a function may share a table's name) names the state
   * table with the version table's actual schema, so a session with another search_path that
   * edits the table still clears the right row.
   */
  #clearStateTrigger(): string {
    const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
    const { name } = this.#versionTable;
    const state = literal(name + STATE_SUFFIX);
    return (
      `do $upshift$ declare s name := (select relnamespace::regnamespace::name from pg_class where oid = ${literal(this.table)}::regclass); begin ` +
      `if not exists (select 1 from pg_trigger where tgrelid = ${literal(this.table)}::regclass and tgname = ${literal(CLEAR_STATE_TRIGGER)}) then ` +
      `execute format('create or replace function %I.%I() returns trigger language plpgsql as $body$ begin delete from %I.%I; return null; end $body$', s, ${state}, s, ${state}); ` +
      `execute format('create trigger %I after insert or update or delete or truncate on %I.%I for each statement execute function %I.%I()', ` +
      `${literal(CLEAR_STATE_TRIGGER)}, s, ${literal(name)}, s, ${state}); ` +
      'end if; end $upshift$'
    );
  }

  async whileNoOneWrites<T>(work: (trx: Transaction) => Promise<T>): Promise<T | undefined> {
    const trx = await this.#db.begin();
    try {
      // SHARE conflicts with the ROW EXCLUSIVE lock of every insert, update and delete: until
      // this commits nobody writes the table, and NOWAIT returns at once if somebody is writing.
      await this.#db.run(`lock table ${this.table} in share mode nowait`, [], trx);
    } catch (error) {
      await this.#db.rollback(trx);
      if (this.isMissingTable(error) || (error as { code?: unknown } | null)?.code === '55P03') return undefined;
      throw error;
    }
    return this.#db.transaction(work, async () => trx);
  }

  isMissingTable(error: unknown): boolean {
    // 42P01 undefined_table; 3F000 invalid_schema_name (the schema option names one not made yet).
    const code = (error as { code?: unknown } | null)?.code;
    return code === '42P01' || code === '3F000';
  }

  joinedList(expression: string): string {
    return `string_agg(${expression}, ',')`;
  }

  async readRow(sql: string): Promise<Row | undefined> {
    // Kept between calls; an ending pool means MikroORM has closed it and makes a new one on the next ask.
    if (!this.#pool || this.#pool.ending) this.#pool = await this.#db.nativeClient<PgPool>();
    const pool = this.#pool;
    if (!pool) return (await this.#db.query(sql))[0];
    // Straight on the pool: MikroORM's execute() added 20-40 % to this read in a tight loop, and a
    // named statement is parsed and planned once per connection instead of on every boot check.
    const query = this.#preparedReads ? { name: this.#statementName(sql), text: sql } : sql;
    return this.#db.logged(sql, async () => (await pool.query(query)).rows[0]);
  }

  /** node-postgres refuses one name for two texts, so the name is derived from the text. */
  #statementName(sql: string): string {
    let name = this.#statementNames.get(sql);
    if (!name) this.#statementNames.set(sql, (name = `upshift_${sha256Hex(sql).slice(0, 16)}`));
    return name;
  }

  async acquire(options: LockOptions, scope: 'session' | 'transaction' = 'session'): Promise<HeldLock | undefined> {
    const key = await this.#lockKey();
    if (scope === 'transaction') {
      return new PostgreSqlXactLock(this.#db, key, { timeoutMs: options.timeoutMs, logger: options.logger }, async (trx) => {
        for (const sql of this.createTableStatements()) await this.#db.run(sql, [], trx);
      });
    }
    const pool = (await this.#db.connection.getNativeClient()) as PgPool;
    // A dedicated connection, not one from the pool: a session lock taken on a pooled connection
    // would be released with whatever query happens to run next, and a pool of size 1 would
    // deadlock between the lock and the revisions' transactions.
    const client = new pool.Client({ ...pool.options, application_name: instanceName() });
    await client.connect();
    const lock = new PostgreSqlLock(client, key, this.#db);
    try {
      if ((await acquireWithin(lock, options)) === 'abandoned') {
        await lock.release();
        return undefined;
      }
    } catch (error) {
      await lock.release();
      throw error;
    }
    return lock;
  }

  /**
   * Derived from database, schema and table: two apps sharing a server do not block each other.
   * Read once per Migrator: its ORM's connections all point at the same database and schema.
   */
  #lockKey(): Promise<bigint> {
    this.#key ??= (async () => {
      const [row] = await this.#db.query<{ db: string; schema: string }>('select current_database() as "db", current_schema() as "schema"');
      const scope = `upshift:${row!.db}:${this.#versionTable.schema ?? row!.schema}:${this.#versionTable.name}`;
      return sha256Int64(scope);
    })();
    // A failed read (the database was unreachable) is not remembered: the next call asks again.
    this.#key.catch(() => (this.#key = undefined));
    return this.#key;
  }
}

class PostgreSqlLock implements HeldLock {
  readonly scope = 'session' as const;
  readonly what: string;
  readonly #client: PgClient;
  readonly #key: string;
  readonly #keyValue: bigint;
  /** Waiters LISTEN here and the holder NOTIFYs on release, so hand-over is not a polling delay. */
  readonly #channel: string;
  /**
   * A second session lock, on a random key in the two-integer key space, that the lock session
   * takes together with the real one and keeps exactly as long (see fence()). Random per lock,
   * so no other session ever holds it: not another replica, nor a later backend with a reused pid.
   */
  #token: [number, number] = randomToken();
  #held = false;
  #listening = false;
  #wake: (() => void) | undefined;
  #lost: Error | undefined;
  #released = false;
  readonly #db: Database;

  constructor(client: PgClient, key: bigint, db: Database) {
    this.#client = client;
    this.#db = db;
    this.#key = key.toString();
    this.#keyValue = key;
    this.what = `PostgreSQL advisory lock ${this.#key}`;
    this.#channel = `upshift_${BigInt.asUintN(64, key).toString(16)}`;
    client.on('notification', (message) => {
      if (message?.channel === this.#channel) this.#wake?.();
    });
    client.on('error', (error) => {
      this.#lost ??= error ?? new Error('connection error');
    });
    client.on('end', () => {
      if (!this.#released) this.#lost ??= new Error('the lock connection closed');
    });
  }

  async tryAcquire(): Promise<boolean> {
    // The token is taken in the same statement, only once the lock is: null = lock busy,
    // true = both held, false = lock held but the token is somebody's (a 2^-64 chance; below).
    const [a, b] = this.#token;
    const attempt = `select case when pg_try_advisory_lock(${this.#key}::bigint) then pg_try_advisory_lock(${a}, ${b}) end as "token"`;
    let rows: { token: boolean | null }[];
    if (this.#listening) {
      ({ rows } = await this.#client.query(attempt));
    } else {
      // The first attempt also starts listening, in the same round trip (a simple-protocol
      // multi-statement query, so no parameters: the keys are numbers upshift computed).
      const results = (await this.#client.query(`listen "${this.#channel}"; ${attempt}`)) as unknown as { rows: { token: boolean | null }[] }[];
      rows = results[1]!.rows;
      this.#listening = true;
    }
    let token = rows[0]!.token;
    while (token === false) {
      this.#token = randomToken();
      ({ rows } = await this.#client.query('select pg_try_advisory_lock($1, $2) as "token"', this.#token));
      token = rows[0]!.token;
    }
    this.#held = token === true;
    return this.#held;
  }

  /** Sleeps up to `ms`, or less when the holder announces that it released the lock. */
  waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#wake = undefined;
        resolve();
      }
      this.#wake = done;
    });
  }

  async holder(): Promise<LockHolder | undefined> {
    return advisoryHolder(async (text, params) => (await this.#client.query(text, params)).rows as never[], this.#keyValue);
  }

  begin(): Promise<Transaction> {
    return this.#db.begin();
  }

  /**
   * True while the lock session is alive, asked of the lock manager: the token can only be taken
   * by this transaction when no session holds it, and only the lock session ever holds it, from
   * the moment it took the lock until it lets go of both. If the token is taken here, the lock
   * session is gone (and so is the lock); the transaction is then rolled back, which frees the
   * token again. A failed try is one lock-table probe: far cheaper than reading the lock session's
   * activity or pg_locks (which copies every lock on the server: over a thousand in a transaction
   * that created 200 tables). Not a snapshot, so it is exact in a long transaction too.
   */
  fence(): { sql: string; params: unknown[] } {
    return { sql: 'not pg_try_advisory_xact_lock(?::int4, ?::int4)', params: [...this.#token] };
  }

  /** The fence, once more, just before a long transaction commits. */
  async confirm(trx: Transaction): Promise<void> {
    this.assertHeld();
    const fence = this.fence();
    const [row] = await this.#db.query<{ held: boolean }>(`select ${fence.sql} as "held"`, fence.params, trx);
    if (!row?.held) throw new LockLostError('the lock session no longer holds the advisory lock');
  }

  assertHeld(): void {
    if (this.#lost) throw new LockLostError(this.#lost.message, this.#lost);
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    try {
      // Ending the session releases a session lock; unlocking first just makes it prompt, and
      // the notification wakes the instances waiting for it.
      if (this.#held && !this.#lost) {
        // Both session locks at once (the connection is upshift's own): the token never
        // outlives the lock, so a fence can never see the token held without the lock.
        await this.#client.query('select pg_advisory_unlock_all(), pg_notify($1, \'released\')', [this.#channel]);
      }
    } catch {
      // The connection is being closed anyway, and the lock with it.
    }
    // Not awaited: the server ends the session (and any lock left) on Terminate; waiting for the
    // socket to close only delays a replica that boots with many others (bench/4-concurrent).
    this.#client.end().catch(() => undefined);
  }
}

/** Two random signed 32-bit integers: the token lock's key (see PostgreSqlLock). */
function randomToken(): [number, number] {
  const bytes = randomBytes(8);
  return [bytes.readInt32BE(0), bytes.readInt32BE(4)];
}
