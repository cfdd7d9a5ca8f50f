import type { Transaction } from '@mikro-orm/core';
import { instanceName } from '../../instance.ts';
import { acquireWithin, type LockOptions } from '../../lock.ts';
import { LockedUnits } from '../held-lock.ts';
import { beginWithSearchPath, createTablesStatement } from './ddl.ts';
import { advisoryHolder } from './holder.ts';
import type { Registry } from './tenant-registry.ts';
import type { Location } from './placement.ts';
import type { LockParts } from './session-lock.ts';

/**
 * `lock: { scope: 'transaction' }`: for PgBouncer-style transaction pooling, where consecutive
 * statements outside a transaction may run on different server connections, so a session lock
 * is either released at random or leaked to another client. Each unit's transaction takes a
 * transaction advisory lock as its first statement, polled with pg_try_advisory_xact_lock so that
 * it still times out with LockTimeoutError, and COMMIT or ROLLBACK releases it — also when the
 * server ends a killed client's transaction. No connection of upshift's own is opened. Because
 * the lock lives only inside a transaction, each unit reads what is applied again (LockedUnits),
 * and the options check has made every revision of the run share one transaction.
 */
export class PostgreSqlXactLock extends LockedUnits {
  protected readonly keepsApplied = false;
  protected readonly runsOutsideTransactions = false;
  readonly #key: bigint;
  readonly #options: LockOptions;
  readonly #location: Location;
  readonly #searchPath: readonly string[] | undefined;
  readonly #registry: Registry | undefined;

  constructor(key: bigint, options: LockOptions, parts: LockParts) {
    super(parts.db, parts.store);
    this.#key = key;
    this.#options = options;
    this.#location = parts.location;
    this.#searchPath = parts.searchPath;
    this.#registry = parts.registry;
  }

  protected async beginUnit(): Promise<Transaction> {
    const trx = await beginWithSearchPath(this.db, this.#searchPath);
    try {
      // A DBA sees which host and process this transaction belongs to; SET LOCAL ends with it,
      // so the pooled server connection goes back unchanged.
      await this.db.query(`select set_config('application_name', ?, true)`, [instanceName()], trx);
      await acquireWithin(
        {
          what: `PostgreSQL advisory transaction lock ${this.#key.toString()}`,
          tryAcquire: async () => {
            const [row] = await this.db.query<{ locked: boolean }>(
              'select pg_try_advisory_xact_lock(?::bigint) as "locked"',
              [this.#key.toString()],
              trx,
            );
            return row!.locked === true;
          },
          holder: () =>
            advisoryHolder((text, params) => this.db.query(text.replace(/\$\d+/g, '?'), params, trx), this.#key),
        },
        { ...this.#options, whileWaiting: undefined },
      );
      await this.db.run(createTablesStatement(this.#location, this.#registry), [], trx);
      return trx;
    } catch (error) {
      await this.db.rollback(trx);
      throw error;
    }
  }
}
