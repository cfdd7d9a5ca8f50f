import type { Transaction } from '@mikro-orm/core';
import { randomBytes } from '../../crypto.ts';
import type { Database, Row } from '../../database.ts';
import { CLEANUP_MS, within } from '../../deadline.ts';
import { LockLostError, type LockHolder } from '../../errors.ts';
import type { LockAttempt } from '../../lock.ts';
import type { Fence, Store } from '../../store.ts';
import { LockedUnits } from '../held-lock.ts';
import { beginWithSearchPath, createTablesStatement } from './ddl.ts';
import { advisoryHolder } from './holder.ts';
import type { Registry } from './tenant-registry.ts';
import type { LockSession } from './lock-session.ts';
import type { NativeRead } from './native-read.ts';
import type { Location } from './placement.ts';

/** What both PostgreSQL locks are built on: the ORM's database, the store and where its tables are. */
export interface LockParts {
  db: Database;
  store: Store;
  location: Location;
  native: NativeRead;
  /** A tenant's search_path, set in each unit. */
  searchPath?: readonly string[] | undefined;
  registry?: Registry | undefined;
}
/**
 * upshift's lock on PostgreSQL: a session advisory lock, keyed by database, schema and table, on
 * a connection kept to itself (lock-session.ts). It dies with its connection, so a killed replica
 * leaves no lock behind. Statements on that connection name nothing a search_path resolves: the
 * key is computed here, reads are schema-qualified.
 */
export class PostgreSqlSessionLock extends LockedUnits implements LockAttempt {
  protected readonly keepsApplied = true;
  protected readonly runsOutsideTransactions = true;
  readonly what: string;
  readonly #session: LockSession;
  readonly #client: LockSession['client'];
  readonly #key: string;
  readonly #keyValue: bigint;
  readonly #location: Location;
  readonly #native: NativeRead;
  readonly #searchPath: readonly string[] | undefined;
  readonly #registry: Registry | undefined;
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

  constructor(session: LockSession, key: bigint, parts: LockParts) {
    super(parts.db, parts.store);
    this.#session = session;
    this.#client = session.client;
    this.#key = key.toString();
    this.#keyValue = key;
    this.#location = parts.location;
    this.#native = parts.native;
    this.#searchPath = parts.searchPath;
    this.#registry = parts.registry;
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

  /** The waiting connection reads, qualified SQL only (see Store.readKeys). */
  readonly read = (sql: string): Promise<Row | undefined> => this.#native.readOn(this.#client, sql);

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
      const results = (await this.#client.query(
        `listen "${this.#channel}"; ${this.#session.setup}${attempt}`,
      )) as unknown as { rows: { token: boolean | null }[] }[];
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
      const done = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  async holder(): Promise<LockHolder | undefined> {
    return advisoryHolder(
      async (text, params) => (await this.#client.query(text, params)).rows as never[],
      this.#keyValue,
    );
  }

  protected beginUnit(): Promise<Transaction> {
    return beginWithSearchPath(this.db, this.#searchPath);
  }

  protected override async prepareTables(): Promise<void> {
    await this.db.run(createTablesStatement(this.#location, this.#registry));
  }

  /**
   * True while the lock session is alive, asked of the lock manager: the token can only be taken
   * by this transaction when no session holds it, and only the lock session ever holds it, from
   * the moment it took the lock until it lets go of both. If the token is taken here, the lock
   * session is gone (and so is the lock); the transaction is then rolled back, which frees the
   * token again. A failed try is one lock-table probe, and not a snapshot: exact in a long
   * transaction too.
   */
  protected override fence(): Fence {
    return { sql: 'not pg_try_advisory_xact_lock(?::int4, ?::int4)', params: [...this.#token] };
  }

  protected override async confirm(trx: Transaction): Promise<void> {
    this.assertHeld();
    const fence = this.fence();
    const [row] = await this.db.query<{ held: boolean }>(`select ${fence.sql} as "held"`, fence.params, trx);
    if (!row?.held) throw new LockLostError('the lock session no longer holds the advisory lock');
  }

  protected override assertHeld(): void {
    if (this.#lost) throw new LockLostError(this.#lost.message, this.#lost);
  }

  override async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    // One round trip. Ending or giving back the session would release a session lock too;
    // unlocking first makes it prompt, and the notification wakes the instances waiting for it.
    // The token first, then the lock: the token never outlives the lock, so a fence can never
    // see the token held without the lock.
    const [a, b] = this.#token;
    const statements = [
      this.#held
        ? `select pg_advisory_unlock(${a}, ${b}), pg_advisory_unlock(${this.#key}::bigint), pg_notify('${this.#channel}', 'released')`
        : '',
      this.#listening ? `unlisten "${this.#channel}"` : '',
      this.#session.cleanup,
    ].filter((sql) => sql !== '');
    let broken = this.#lost !== undefined;
    if (!broken && statements.length > 0) {
      try {
        // Bounded: a connection that no longer answers is closed instead, and the lock dies with it.
        await within(
          this.#client.query(statements.join('; ')),
          CLEANUP_MS,
          () => new Error('the lock connection did not answer'),
        );
      } catch {
        broken = true;
      }
    }
    this.#client.removeListener('notification', this.#onNotification);
    this.#client.removeListener('error', this.#onError);
    this.#client.removeListener('end', this.#onEnd);
    this.#session.close(broken);
  }
}

/** Two random signed 32-bit integers: the token lock's key. */
function randomToken(): [number, number] {
  const bytes = randomBytes(8);
  return [bytes.readInt32BE(0), bytes.readInt32BE(4)];
}
