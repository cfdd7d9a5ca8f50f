import type { Transaction } from '@mikro-orm/core';
import type { Database } from '../database.ts';
import type { AppliedRevision, Fence, RecordDetails, Store } from '../store.ts';
import type { HeldLock, Unit, UnitOptions } from './dialect.ts';

/** A unit's COMMIT failed: the caller tells the revision it was for (RevisionFailedError, phase 'commit'). */
export class CommitFailure extends Error {
  constructor(cause: unknown) {
    super(`COMMIT failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * The unit-of-work contract of every lock (see HeldLock), written once. A lock supplies how a
 * write transaction begins under it, its fence, and how it lets go; this class runs the units:
 * version-row writes fenced on the lock, the lock confirmed before a COMMIT that wrote unfenced
 * rows, a failed transaction rolled back and its connection given back to the ORM even when the
 * driver cannot roll back, and the applied set read under the lock.
 *
 * A lock held across transactions (`keepsApplied`) reads the applied set once and keeps it true
 * through its own units: nobody else writes while it is held. A lock that lives in a transaction
 * reads, in each unit, the rows that unit asks about.
 */
export abstract class LockedUnits implements HeldLock {
  protected readonly db: Database;
  protected readonly store: Store;
  /** True when the lock outlives transactions, so the applied set read under it stays true. */
  protected abstract readonly keepsApplied: boolean;
  /** Whether `transaction: false` work runs outside a transaction under this lock. */
  protected abstract readonly runsOutsideTransactions: boolean;
  #applied: Map<string, AppliedRevision> | undefined;

  protected constructor(db: Database, store: Store) {
    this.db = db;
    this.store = store;
  }

  /** Begins a write transaction under the lock, upshift's tables in place. */
  protected abstract beginUnit(): Promise<Transaction>;

  // The defaults below are those of a lock that lives in its unit's transaction: the transaction
  // that writes a version row holds the lock itself, so it cannot have been lost meanwhile, and
  // it ends with the transaction. A lock held across transactions overrides them.

  /** Creates upshift's tables when missing, under a lock that outlives transactions. */
  protected async prepareTables(): Promise<void> {}

  /** A SQL condition true only while the lock is held: every fenced write carries it. */
  protected fence(): Fence {
    return { sql: '1 = 1', params: [] };
  }

  /** Inside `trx`, before its COMMIT: throws LockLostError when the lock is gone. */
  protected async confirm(_trx: Transaction): Promise<void> {}

  /** Throws LockLostError when the lock is known to be gone. */
  protected assertHeld(): void {}

  async release(): Promise<void> {}

  /** Runs the unit's transaction: a dialect may wrap it (SQLite turns foreign keys off around it). */
  protected aroundTransaction<T>(
    _options: UnitOptions,
    run: (check: (trx: Transaction) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    return run(async () => undefined);
  }

  async readApplied(readBefore?: readonly AppliedRevision[]): Promise<AppliedRevision[]> {
    if (!this.keepsApplied) return readBefore ? [...readBefore] : this.store.readApplied();
    if (!this.#applied) {
      await this.prepareTables();
      this.#applied = new Map((await this.store.readApplied()).map((r) => [r.id, r]));
    }
    return [...this.#applied.values()];
  }

  async unit<T>(work: (unit: Unit) => Promise<T>, options: UnitOptions = {}): Promise<T> {
    this.assertHeld();
    if (options.transaction === false && this.runsOutsideTransactions) return this.#outside(work);
    return this.aroundTransaction(options, (check) => this.#inTransaction(work, check));
  }

  async #inTransaction<T>(work: (unit: Unit) => Promise<T>, check: (trx: Transaction) => Promise<void>): Promise<T> {
    const trx = await this.beginUnit();
    const changes = new Changes();
    let result: T;
    try {
      result = await work(this.#unitOf(trx, changes));
      await check(trx);
      if (changes.unfenced) await this.confirm(trx);
    } catch (error) {
      await this.#rollback(trx);
      throw error;
    }
    try {
      await this.db.commit(trx);
    } catch (error) {
      await this.#rollback(trx);
      throw new CommitFailure(error);
    }
    changes.applyTo(this.#applied);
    return result;
  }

  /** Work outside any transaction (CREATE INDEX CONCURRENTLY): each version-row write commits on its own. */
  async #outside<T>(work: (unit: Unit) => Promise<T>): Promise<T> {
    const own = <R>(write: (trx: Transaction, changes: Changes) => Promise<R>) =>
      this.#inTransaction(
        async (unit) => write(unit.trx!, (unit as UnitWithChanges).changes),
        async () => undefined,
      );
    return work({
      trx: undefined,
      applied: async (ids) => this.#cached(ids) ?? new Set(),
      rows: async () => (this.#applied ? [...this.#applied.values()] : this.store.readApplied()),
      record: (rows) => own(async (trx, changes) => this.#record(trx, rows, changes)),
      unrecord: (ids) => own(async (trx, changes) => this.#unrecord(trx, ids, changes)),
      rechecksum: (id, checksum) => own((trx) => this.store.updateChecksum(trx, id, checksum)),
    });
  }

  #unitOf(trx: Transaction, changes: Changes): UnitWithChanges {
    return {
      trx,
      changes,
      applied: async (ids) => this.#cached(ids) ?? (await this.store.appliedAmong(trx, ids)),
      rows: async () =>
        this.keepsApplied && this.#applied ? [...this.#applied.values()] : this.store.readApplied(trx),
      record: (rows) => this.#record(trx, rows, changes),
      unrecord: (ids) => this.#unrecord(trx, ids, changes),
      rechecksum: async (id, checksum) => {
        await this.store.updateChecksum(trx, id, checksum);
        changes.rechecksummed.set(id, checksum);
      },
    };
  }

  #cached(ids: readonly string[]): Set<string> | undefined {
    const applied = this.keepsApplied ? this.#applied : undefined;
    return applied && new Set(ids.filter((id) => applied.has(id)));
  }

  async #record(trx: Transaction, rows: readonly RecordDetails[], changes: Changes): Promise<void> {
    // One row: fenced in its own statement, no extra round trip. Several ('all' mode): one batch,
    // and the lock confirmed once before the COMMIT.
    if (rows.length === 1) await this.store.record(trx, this.fence(), rows[0]!);
    else if (rows.length > 1) {
      await this.store.recordMany(trx, rows);
      changes.unfenced = true;
    }
    for (const row of rows)
      changes.recorded.set(row.id, { id: row.id, parents: [...row.parents], checksum: row.checksum });
  }

  async #unrecord(trx: Transaction, ids: readonly string[], changes: Changes): Promise<void> {
    if (ids.length === 1) await this.store.unrecord(trx, this.fence(), ids[0]!);
    else if (ids.length > 1) {
      await this.store.unrecordMany(trx, ids);
      changes.unfenced = true;
    }
    for (const id of ids) changes.unrecorded.add(id);
  }

  /** Rolls back; when the driver cannot, Database.rollback gives the connection back all the same. */
  async #rollback(trx: Transaction): Promise<void> {
    await this.db.rollback(trx);
  }
}

interface UnitWithChanges extends Unit {
  readonly changes: Changes;
}

/** What a unit wrote, applied to the kept applied set once its transaction has committed. */
class Changes {
  readonly recorded = new Map<string, AppliedRevision>();
  readonly unrecorded = new Set<string>();
  readonly rechecksummed = new Map<string, string>();
  unfenced = false;

  applyTo(applied: Map<string, AppliedRevision> | undefined): void {
    if (!applied) return;
    for (const id of this.unrecorded) applied.delete(id);
    for (const [id, row] of this.recorded) applied.set(id, row);
    for (const [id, checksum] of this.rechecksummed) {
      const row = applied.get(id);
      if (row) applied.set(id, { ...row, checksum });
    }
  }
}
