import type { Transaction } from '@mikro-orm/core';
import type { Database } from '../database.ts';
import type { LockHolder } from '../errors.ts';
import { acquireWithin, type LockOptions } from '../lock.ts';
import { instanceName } from '../instance.ts';
import type { HeldLock } from './dialect.ts';

/** pg_locks shows a bigint advisory key as two unsigned 32-bit halves (classid, objid). */
function keyHalves(key: bigint): { classid: string; objid: string } {
  const unsigned = BigInt.asUintN(64, key);
  return { classid: (unsigned >> 32n).toString(), objid: (unsigned & 0xffffffffn).toString() };
}

type Query = <R>(text: string, params: unknown[]) => Promise<R[]>;

/**
 * Who holds the advisory lock, from pg_locks joined with pg_stat_activity. Session and
 * transaction advisory locks on one key conflict, so this finds a holder in either mode. Since
 * when: a transaction-scoped holder's xact_start; a session holder's lock connection is idle
 * outside a transaction, and its last query (query_start) is the one that took the lock.
 */
export async function advisoryHolder(query: Query, key: bigint): Promise<LockHolder | undefined> {
  const { classid, objid } = keyHalves(key);
  const rows = await query<{ pid: number; application_name: string; client_addr: string | null; since: string | Date | null }>(
    'select a.pid, a.application_name, host(a.client_addr) as client_addr, coalesce(a.xact_start, a.query_start) as since ' +
      'from pg_locks l join pg_stat_activity a on a.pid = l.pid ' +
      "where l.locktype = 'advisory' and l.granted and l.classid = $1::oid and l.objid = $2::oid and l.objsubid = 1 and l.pid <> pg_backend_pid()",
    [classid, objid],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { pid: row.pid, applicationName: row.application_name, clientAddress: row.client_addr, since: row.since ? new Date(row.since) : undefined };
}

/**
 * `lock: { scope: 'transaction' }`: for PgBouncer-style transaction pooling, where consecutive
 * statements outside a transaction may run on different server connections, so a session lock
 * is either released at random or leaked to another client. The lock is a transaction advisory
 * lock taken as the first statement of the (single) upgrade transaction, polled with
 * pg_try_advisory_xact_lock so that it still times out with LockTimeoutError, and released by
 * COMMIT or ROLLBACK — also when the server ends a killed client's transaction. No dedicated
 * connection is opened. Because the lock lives only inside a transaction, the applied set is
 * read again inside it (the runner does) and every revision runs in that one transaction.
 */
export class PostgreSqlXactLock implements HeldLock {
  readonly scope = 'transaction' as const;
  readonly what: string;
  readonly #db: Database;
  readonly #key: bigint;
  readonly #options: LockOptions;
  readonly #prepare: (trx: Transaction) => Promise<void>;

  /** `prepare` runs right after the lock is taken, in the same transaction (creates the table). */
  constructor(db: Database, key: bigint, options: LockOptions, prepare: (trx: Transaction) => Promise<void>) {
    this.#db = db;
    this.#key = key;
    this.#options = options;
    this.#prepare = prepare;
    this.what = `PostgreSQL advisory transaction lock ${key.toString()}`;
  }

  async begin(): Promise<Transaction> {
    const trx = await this.#db.begin();
    try {
      // A DBA sees which host and process this transaction belongs to; SET LOCAL ends with it,
      // so the pooled server connection goes back unchanged.
      await this.#db.query(`select set_config('application_name', ?, true)`, [instanceName()], trx);
      await acquireWithin(
        {
          what: this.what,
          tryAcquire: async () => {
            const [row] = await this.#db.query<{ locked: boolean }>('select pg_try_advisory_xact_lock(?::bigint) as "locked"', [this.#key.toString()], trx);
            return row!.locked === true;
          },
          holder: () => advisoryHolder((text, params) => this.#db.query(text.replace(/\$\d+/g, '?'), params, trx), this.#key),
        },
        this.#options,
      );
      await this.#prepare(trx);
      return trx;
    } catch (error) {
      await this.#db.rollback(trx);
      throw error;
    }
  }

  /**
   * Always true: the lock belongs to the very transaction that writes the version row, and it is
   * released only when that transaction ends, so it cannot be lost while the row is written.
   */
  fence(): { sql: string; params: unknown[] } {
    return { sql: '1 = 1', params: [] };
  }

  /** The lock is the transaction's: if the connection dies, so does the transaction and its work. */
  assertHeld(): void {}

  async confirm(): Promise<void> {}

  async release(): Promise<void> {}
}
