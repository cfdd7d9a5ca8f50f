import type { Transaction } from '@mikro-orm/core';
import { randomBytes, sha256Hex, sha256Int64 } from '../crypto.ts';
import type { Database, Row } from '../database.ts';
import { LockLostError, type LockHolder } from '../errors.ts';
import { acquireWithin, type LockOptions } from '../lock.ts';
import { quoteIdentifier, STATE_SUFFIX, type Dialect, type HeldLock, type VersionTable } from './dialect.ts';
import { advisoryHolder, PostgreSqlXactLock } from './postgresql-xact-lock.ts';
import { openLockSession, type LockSession, type PgClient, type PgLockPool } from './postgresql-lock-session.ts';

interface PgPool extends PgLockPool {
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
  /** Read queries by text; a named statement's name is derived from its text, as node-postgres refuses one name for two texts. */
  readonly #queries = new Map<string, ReadQuery>();
  #pool: PgPool | undefined;
  #key: Promise<bigint> | undefined;
  /** The lock session's connection while acquire() waits on it; see readRow(). */
  #waitingOn: PgClient | undefined;

  constructor(db: Database, versionTable: VersionTable, options: PostgreSqlOptions) {
    this.#db = db;
    this.#versionTable = versionTable;
    this.#preparedReads = options.preparedReads;
    const { schema, name } = versionTable;
    const qualified = (table: string) => (schema ? `${quoteIdentifier(schema)}.${quoteIdentifier(table)}` : quoteIdentifier(table));
    this.table = qualified(name);
    this.stateTable = qualified(name + STATE_SUFFIX);
  }

  /**
   * One statement, so one round trip: it runs under the lock on every operation that writes, and
   * on a first deploy with several replicas that lock is what the others wait for. A DO block
   * runs its statements in order, so the trigger check below sees the tables created above it.
   */
  createTableStatements(): string[] {
    const { schema } = this.#versionTable;
    return [
      'do $upshift$ declare s name; begin ' +
        (schema ? `create schema if not exists ${quoteIdentifier(schema)}; ` : '') +
        `create table if not exists ${this.table} (` +
        '"id" varchar(64) primary key, "parents" text not null, "message" text not null, ' +
        '"checksum" varchar(80) not null, "applied_at" timestamptz not null, ' +
        '"duration_ms" integer not null, "applied_by" varchar(255) not null); ' +
        `create table if not exists ${this.stateTable} ("id" integer primary key, "keys_digest" varchar(80) not null, "ids_digest" varchar(80) not null); ` +
        `${this.#clearStateTrigger()} end $upshift$`,
    ];
  }

  /**
   * Any change to the version table deletes the state row in the same transaction, whoever makes
   * it: upshift, or a person fixing the table by hand at 3 a.m. One statement-level trigger
   * (TRUNCATE included), created once; the check makes running this under every lock cheap. The
   * function (named like the state table: a function may share a table's name) names the state
   * table with the version table's actual schema (`s`), so a session with another search_path
   * that edits the table still clears the right row. PL/pgSQL, for the DO block above.
   */
  #clearStateTrigger(): string {
    const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
    const { name } = this.#versionTable;
    const state = literal(name + STATE_SUFFIX);
    return (
      `s := (select relnamespace::regnamespace::name from pg_class where oid = ${literal(this.table)}::regclass); ` +
      `if not exists (select 1 from pg_trigger where tgrelid = ${literal(this.table)}::regclass and tgname = ${literal(CLEAR_STATE_TRIGGER)}) then ` +
      `execute format('create or replace function %I.%I() returns trigger language plpgsql as $body$ begin delete from %I.%I; return null; end $body$', s, ${state}, s, ${state}); ` +
      `execute format('create trigger %I after insert or update or delete or truncate on %I.%I for each statement execute function %I.%I()', ` +
      `${literal(CLEAR_STATE_TRIGGER)}, s, ${literal(name)}, s, ${state}); ` +
      'end if;'
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

  readRow(sql: string): Promise<Row | undefined> {
    // Kept between calls; an ending pool means MikroORM has closed it and makes a new one on the next ask.
    const pool = this.#pool;
    if (!pool || pool.ending) return this.#readRowOnNewPool(sql);
    // Straight on the pool: MikroORM's execute() added 20-40 % to this read in a tight loop, and a
    // named statement is parsed and planned once per connection instead of on every boot check.
    // No async frame of its own: this is the whole of a no-op boot, which runs once, before V8
    // has optimized anything.
    const query = this.#queryOf(sql);
    // While this instance waits for the lock, the lock's connection is idle between attempts: a
    // waiting replica asks there whether the work is done, rather than on a second connection.
    const waitingOn = this.#waitingOn;
    return this.#db.logged(sql, waitingOn ? () => firstRow(waitingOn, query) : () => firstRowOnPool(pool, query));
  }

  async #readRowOnNewPool(sql: string): Promise<Row | undefined> {
    this.#pool = await this.#db.nativeClient<PgPool>();
    // No pool of MikroORM's own, or one still closing: MikroORM's path, which reconnects or says why not.
    if (!this.#pool || this.#pool.ending) return (await this.#db.query(sql))[0];
    return this.readRow(sql);
  }

  /** The query as node-postgres takes it, made once per text (it reads the object, never writes it). */
  #queryOf(sql: string): ReadQuery {
    let query = this.#queries.get(sql);
    if (!query) this.#queries.set(sql, (query = this.#preparedReads ? Object.freeze({ name: `upshift_${sha256Hex(sql).slice(0, 16)}`, text: sql }) : sql));
    return query;
  }

  async acquire(options: LockOptions, scope: 'session' | 'transaction' = 'session'): Promise<HeldLock | undefined> {
    if (scope === 'transaction') {
      return new PostgreSqlXactLock(this.#db, await this.#lockKey(), { timeoutMs: options.timeoutMs, logger: options.logger }, async (trx) => {
        for (const sql of this.createTableStatements()) await this.#db.run(sql, [], trx);
      });
    }
    const session = await openLockSession((await this.#db.connection.getNativeClient()) as PgPool);
    let key: bigint;
    try {
      // Read on the lock's connection: on the pool, it could need a second one.
      key = await this.#lockKey(async (sql) => (await session.client.query<KeyScope>(sql)).rows);
    } catch (error) {
      session.close(true);
      throw error;
    }
    const lock = new PostgreSqlLock(session, key, this.#db);
    let outcome: 'acquired' | 'abandoned';
    this.#waitingOn = session.client;
    try {
      outcome = await acquireWithin(lock, options);
    } catch (error) {
      await lock.release();
      throw error;
    } finally {
      this.#waitingOn = undefined;
    }
    if (outcome === 'acquired') return lock;
    await lock.release();
    return undefined;
  }

  /**
   * Derived from database, schema and table: two apps sharing a server do not block each other.
   * Read once per Migrator: its ORM's connections all point at the same database and schema.
   */
  #lockKey(read: (sql: string) => Promise<KeyScope[]> = (sql) => this.#db.query<KeyScope>(sql)): Promise<bigint> {
    this.#key ??= (async () => {
      const [row] = await read('select current_database() as "db", current_schema() as "schema"');
      const scope = `upshift:${row!.db}:${this.#versionTable.schema ?? row!.schema}:${this.#versionTable.name}`;
      return sha256Int64(scope);
    })();
    // A failed read (the database was unreachable) is not remembered: the next call asks again.
    this.#key.catch(() => (this.#key = undefined));
    return this.#key;
  }
}

type ReadQuery = string | Readonly<{ name: string; text: string }>;

async function firstRow(client: PgClient, query: ReadQuery): Promise<Row | undefined> {
  return (await client.query<Row>(query)).rows[0];
}

/**
 * Not pool.query(): it closes the connection on any error, and on a first boot the read fails
 * because the table does not exist yet. That is no reason to start a new server process for the
 * next query, on the path where many replicas boot at once. A connection that did break, the
 * pool closes on release by itself.
 */
async function firstRowOnPool(pool: PgLockPool, query: ReadQuery): Promise<Row | undefined> {
  const client = await pool.connect();
  try {
    return (await client.query<Row>(query)).rows[0];
  } finally {
    client.release();
  }
}

interface KeyScope {
  db: string;
  schema: string;
}

class PostgreSqlLock implements HeldLock {
  readonly scope = 'session' as const;
  readonly what: string;
  readonly #session: LockSession;
  readonly #client: LockSession['client'];
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

  constructor(session: LockSession, key: bigint, db: Database) {
    this.#session = session;
    this.#client = session.client;
    this.#db = db;
    this.#key = key.toString();
    this.#keyValue = key;
    this.what = `PostgreSQL advisory lock ${this.#key}`;
    this.#channel = `upshift_${BigInt.asUintN(64, key).toString(16)}`;
    this.#client.on('notification', this.#onNotification);
    this.#client.on('error', this.#onError);
    this.#client.on('end', this.#onEnd);
  }

  // Named, so that release() can remove them from a connection that goes back to the pool.
  readonly #onNotification = (message?: { channel: string }) => {
    if (message?.channel === this.#channel) this.#wake?.();
  };

  readonly #onError = (error?: Error) => {
    this.#lost ??= error ?? new Error('connection error');
  };

  readonly #onEnd = () => {
    if (!this.#released) this.#lost ??= new Error('the lock connection closed');
  };

  async tryAcquire(): Promise<boolean> {
    // The token is taken in the same statement, only once the lock is: null = lock busy,
    // true = both held, false = lock held but the token is somebody's (a 2^-64 chance; below).
    const [a, b] = this.#token;
    const attempt = `select case when pg_try_advisory_lock(${this.#key}::bigint) then pg_try_advisory_lock(${a}, ${b}) end as "token"`;
    let rows: { token: boolean | null }[];
    if (this.#listening) {
      ({ rows } = await this.#client.query(attempt));
    } else {
      // The first attempt also starts listening and names the session, in the same round trip (a
      // simple-protocol multi-statement query, so no parameters: the keys are numbers upshift
      // computed, and the session's setup quotes its own literal).
      const results = (await this.#client.query(`listen "${this.#channel}"; ${this.#session.setup}${attempt}`)) as unknown as { rows: { token: boolean | null }[] }[];
      rows = results.at(-1)!.rows;
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
    // One round trip. Ending or giving back the session would release a session lock too;
    // unlocking first makes it prompt, and the notification wakes the instances waiting for it.
    // The token first, then the lock: the token never outlives the lock, so a fence can never
    // see the token held without the lock.
    const [a, b] = this.#token;
    const statements = [
      this.#held ? `select pg_advisory_unlock(${a}, ${b}), pg_advisory_unlock(${this.#key}::bigint), pg_notify('${this.#channel}', 'released')` : '',
      this.#session.cleanup ? `unlisten "${this.#channel}"; ${this.#session.cleanup}` : '',
    ].filter((sql) => sql !== '');
    let broken = this.#lost !== undefined;
    if (!broken && statements.length > 0) {
      try {
        await this.#client.query(statements.join('; '));
      } catch {
        broken = true; // the connection is closed (and the lock with it), not given back
      }
    }
    this.#client.removeListener('notification', this.#onNotification);
    this.#client.removeListener('error', this.#onError);
    this.#client.removeListener('end', this.#onEnd);
    this.#session.close(broken);
  }
}

/** Two random signed 32-bit integers: the token lock's key (see PostgreSqlLock). */
function randomToken(): [number, number] {
  const bytes = randomBytes(8);
  return [bytes.readInt32BE(0), bytes.readInt32BE(4)];
}
