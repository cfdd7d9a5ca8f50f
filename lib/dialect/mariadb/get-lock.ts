import { sha256Hex } from '../../crypto.ts';
import { within } from '../../deadline.ts';
import type { LockHolder } from '../../errors.ts';
import { acquireWithin, type LockOptions } from '../../lock.ts';

/** The subset of a mysql2 promise connection that the lock uses. */
export interface MysqlConnection {
  query(sql: string, params?: unknown[]): Promise<[unknown, unknown]>;
  release(): void;
  destroy(): void;
}

/** The subset of mysql2's (callback) pool that MikroORM's getNativeClient() returns. */
export interface MysqlPool {
  promise(): { getConnection(): Promise<MysqlConnection> };
  /** mysql2's pool options: how many connections the pool may hold. */
  config?: { connectionLimit?: number };
}

// MySQL refuses GET_LOCK names longer than 64 characters; MariaDB accepts them. One rule for both.
const MAX_NAME = 64;

/**
 * The lock's name, unique per database and version table (GET_LOCK names are server-wide, so two
 * databases on one server, or two tables in one, never wait for each other). Names too long for
 * MySQL keep a readable prefix and end with a hash of the whole.
 */
export function lockName(database: string, table: string): string {
  const full = `upshift:${database}.${table}`;
  if (full.length <= MAX_NAME) return full;
  const hash = sha256Hex(full).slice(0, 16);
  return `${full.slice(0, MAX_NAME - hash.length - 1)}~${hash}`;
}

async function rowsOf<R>(connection: MysqlConnection, sql: string, params: unknown[] = []): Promise<R[]> {
  const [rows] = await connection.query(sql, params);
  return rows as R[];
}

/**
 * A `GET_LOCK` held on a connection taken out of the ORM's pool and kept out of everyone else's
 * hands until release: the lock belongs to the connection, so the server drops it when the
 * connection dies (a killed process leaves no stale lock), and nobody else's query can release it.
 * Polled with `GET_LOCK(name, 0)`, never a blocking wait inside the server.
 */
export class GetLockSession {
  readonly name: string;
  readonly #connection: MysqlConnection;
  /** The server's id of the lock connection: what IS_USED_LOCK returns while it holds the lock. */
  readonly connectionId: number;
  #held = false;

  private constructor(name: string, connection: MysqlConnection, connectionId: number) {
    this.name = name;
    this.#connection = connection;
    this.connectionId = connectionId;
  }

  /**
   * Takes a connection for the lock out of the pool, or `own` opens one outside it (a pool of
   * one), waiting at most `waitMs` for it.
   */
  static async open(
    pool: MysqlPool,
    name: string,
    waitMs: number,
    own?: () => Promise<MysqlConnection>,
  ): Promise<GetLockSession> {
    const tooLong = () => new Error(`could not get a connection for the lock within ${waitMs} ms`);
    const opening = own ? own() : pool.promise().getConnection();
    const connection = await within(opening, waitMs, tooLong, (late) => late.release());
    try {
      const [row] = await rowsOf<{ id: number | string }>(connection, 'select connection_id() as id');
      return new GetLockSession(name, connection, Number(row!.id));
    } catch (error) {
      connection.destroy();
      throw error;
    }
  }

  get held(): boolean {
    return this.#held;
  }

  /** One attempt, without waiting: true when this connection now holds the lock. */
  async tryAcquire(): Promise<boolean> {
    const [row] = await rowsOf<{ got: number | null }>(this.#connection, 'select get_lock(?, 0) as got', [this.name]);
    this.#held = Number(row?.got) === 1;
    return this.#held;
  }

  /** Polls until held or `options.timeoutMs` passes (LockTimeoutError naming the holder). */
  async acquire(options: LockOptions): Promise<void> {
    await acquireWithin(
      { what: `MariaDB/MySQL lock "${this.name}"`, tryAcquire: () => this.tryAcquire(), holder: () => this.holder() },
      { ...options, whileWaiting: undefined },
    );
  }

  /**
   * Runs one statement on the lock's own connection (MariaDB revisions' statements run here, so a
   * statement can only run while this connection is alive, and dies with the lock).
   */
  async run(sql: string, params: unknown[] = []): Promise<{ rows: Record<string, unknown>[]; affected: number }> {
    const [result] = await this.#connection.query(sql, params);
    if (Array.isArray(result)) return { rows: result as Record<string, unknown>[], affected: 0 };
    return { rows: [], affected: Number((result as { affectedRows?: number }).affectedRows ?? 0) };
  }

  /** Whether the lock is still held by this connection, asked of the server. */
  async stillHeld(): Promise<boolean> {
    const [row] = await rowsOf<{ owner: number | string | null }>(this.#connection, 'select is_used_lock(?) as owner', [
      this.name,
    ]);
    return row?.owner != null && Number(row.owner) === this.connectionId;
  }

  /**
   * A SQL condition, for a write on any connection, true only while this connection holds the
   * lock: checked by the server in the same statement as the write.
   */
  fence(): { sql: string; params: unknown[] } {
    return { sql: 'is_used_lock(?) = ?', params: [this.name, this.connectionId] };
  }

  /**
   * Who holds the lock: its connection id from IS_USED_LOCK, with user, host and since when from
   * information_schema.processlist (a holder's lock connection idles after GET_LOCK, so the
   * start of its current state is close to when it took the lock).
   */
  async holder(): Promise<LockHolder | undefined> {
    const rows = await rowsOf<{
      id: number | string | null;
      user: string | null;
      host: string | null;
      seconds: number | null;
    }>(
      this.#connection,
      'select l.owner as id, p.user as user, p.host as host, p.time as seconds from (select is_used_lock(?) as owner) l ' +
        'left join information_schema.processlist p on p.id = l.owner',
      [this.name],
    );
    const row = rows[0];
    if (!row || row.id == null) return undefined;
    return {
      pid: Number(row.id),
      ...(row.user ? { applicationName: `user ${row.user}` } : {}),
      ...(row.host !== null && row.host !== undefined ? { clientAddress: row.host } : {}),
      ...(row.seconds !== null && row.seconds !== undefined
        ? { since: new Date(Date.now() - Number(row.seconds) * 1000) }
        : {}),
    };
  }

  /**
   * Releases the lock and gives the connection back. Never throws: when RELEASE_LOCK fails or
   * takes too long the connection is destroyed instead, and the server drops the lock with it.
   */
  async release(waitMs = 5_000): Promise<void> {
    try {
      if (this.#held)
        await within(
          rowsOf(this.#connection, 'select release_lock(?)', [this.name]),
          waitMs,
          () => new Error('release_lock took too long'),
        );
      this.#held = false;
      this.#connection.release();
    } catch {
      this.#held = false;
      this.#connection.destroy();
    }
  }
}
