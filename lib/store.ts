import type { Transaction } from '@mikro-orm/core';
import type { Database, Row } from './database.ts';
import type { Dialect, HeldLock } from './dialect/dialect.ts';
import { appliedDigests } from './applied-digest.ts';
import { LockLostError } from './errors.ts';

/** Rows per statement when many are written at once: short SQL, far below any parameter limit. */
const BATCH = 500;

/** One row of the version table. */
export interface AppliedRevision {
  id: string;
  parents: string[];
  checksum: string;
  /** Read only when asked for (history): parsing timestamps is most of a no-op boot's CPU. */
  appliedAt?: Date;
}

export interface RecordDetails {
  id: string;
  parents: readonly string[];
  message: string;
  checksum: string;
  durationMs: number;
  appliedBy: string;
}

/**
 * The version table's keys as the database joined them: `count` rows, their keys joined with
 * commas in the order the database read them (for a table only ever appended to, the order the
 * revisions were applied in).
 */
export class AppliedKeys {
  readonly count: number;
  readonly joined: string;

  constructor(count: number, joined: string) {
    this.count = count;
    this.joined = joined;
  }

  /**
   * One key per row; undefined when a value holds a comma and the keys cannot be split back one
   * per row (the full read decides then).
   */
  list(): string[] | undefined {
    const keys = this.joined ? this.joined.split(',') : [];
    return keys.length === this.count ? keys : undefined;
  }
}

/**
 * The version table: one row per applied revision, primary key = revision id, so a second
 * insert of the same revision fails loudly instead of double-recording. The store reads and
 * writes rows; it never decides what to run.
 */
export class Store {
  readonly #db: Database;
  readonly #dialect: Dialect;
  readonly #readKeysSql: Record<string, string> = {};
  readonly #readDigestSql: { keys: string; ids: string };

  constructor(db: Database, dialect: Dialect) {
    this.#db = db;
    this.#dialect = dialect;
    // The row vouches for the version table, so the read names it (never scanned: `where false`).
    // A version table dropped by hand takes its triggers with it and leaves the row behind; the
    // read then fails as a missing table, and the boot takes the full path instead of trusting it.
    const read = (column: string) =>
      `select "${column}" as "digest" from ${dialect.stateTable} where not exists (select 1 from ${dialect.table} where false)`;
    this.#readDigestSql = { keys: read('keys_digest'), ids: read('ids_digest') };
  }

  /** The whole applied set in one query. A missing table is an empty set (the first boot). */
  async readApplied(trx?: Transaction, { withAppliedAt = false } = {}): Promise<AppliedRevision[]> {
    let rows: Record<string, unknown>[];
    try {
      rows = await this.#db.query(
        `select "id", "parents", "checksum"${withAppliedAt ? ', "applied_at"' : ''} from ${this.#dialect.table}`,
        [],
        trx,
      );
    } catch (error) {
      if (this.#dialect.isMissingTable(error)) return [];
      throw error;
    }
    return rows.map((row) => ({
      id: String(row.id),
      parents: row.parents ? String(row.parents).split(' ') : [],
      checksum: String(row.checksum),
      ...(withAppliedAt ? { appliedAt: new Date(row.applied_at as string) } : {}),
    }));
  }

  /**
   * The applied set as one key per row, "id checksum" (or "id" alone), read as a single
   * aggregated row: the driver then parses one value instead of one row per revision. What a
   * boot reads when the state row did not vouch for the bundle, and what a replica waiting for
   * the lock polls. A missing table is no keys (the first boot).
   */
  async readKeys(withChecksums: boolean): Promise<AppliedKeys> {
    const key = withChecksums ? `"id" || ' ' || "checksum"` : '"id"';
    const sql = (this.#readKeysSql[key] ??= `select count(*) as "count", ${this.#dialect.joinedList(key)} as "keys" from ${this.#dialect.table}`);
    let row: Row | undefined;
    try {
      row = await this.#dialect.readRow(sql);
    } catch (error) {
      if (this.#dialect.isMissingTable(error)) return new AppliedKeys(0, '');
      throw error;
    }
    return new AppliedKeys(Number(row?.count ?? 0), (row?.keys as string | null | undefined) ?? '');
  }

  /**
   * The digest of the version table as upshift last wrote it, from the state row: the boot
   * path's one read. Undefined when there is no row (the table changed since, and the change's
   * writer has not written the row again yet; or nothing was ever recorded) or no table.
   */
  async readStateDigest(withChecksums: boolean): Promise<string | undefined> {
    const sql = withChecksums ? this.#readDigestSql.keys : this.#readDigestSql.ids;
    try {
      return (await this.#dialect.readRow(sql))?.digest as string | undefined;
    } catch (error) {
      if (this.#dialect.isMissingTable(error)) return undefined;
      throw error;
    }
  }

  /**
   * Writes the state row from what the version table holds now, in a transaction that no writer
   * can interleave with. False, without waiting, when another transaction is writing the table
   * (its operation writes the row when it is done) or the table does not exist.
   */
  async refreshState(): Promise<boolean> {
    const done = await this.#dialect.whileNoOneWrites(async (trx) => {
      const digests = appliedDigests(await this.readApplied(trx));
      await this.#db.run(
        `insert into ${this.#dialect.stateTable} ("id", "keys_digest", "ids_digest") values (1, ?, ?) ` +
          'on conflict ("id") do update set "keys_digest" = excluded."keys_digest", "ids_digest" = excluded."ids_digest"',
        [digests.keys, digests.ids],
        trx,
      );
      return true;
    });
    return done === true;
  }

  /**
   * Creates the table if it is missing. Callers hold the lock, which is what makes it race-safe.
   * Without `trx` each statement commits on its own: enough under a session lock, and one round
   * trip instead of three.
   */
  async ensureTable(trx?: Transaction): Promise<void> {
    for (const sql of this.#dialect.createTableStatements()) await this.#db.run(sql, [], trx);
  }

  async isApplied(trx: Transaction, id: string): Promise<boolean> {
    const rows = await this.#db.query(`select 1 as "one" from ${this.#dialect.table} where "id" = ?`, [id], trx);
    return rows.length > 0;
  }

  /** Records a revision in the caller's transaction, only while the lock is still held. */
  async record(trx: Transaction, lock: HeldLock, row: RecordDetails): Promise<void> {
    const fence = lock.fence();
    const inserted = await this.#db.run(
      `insert into ${this.#dialect.table} ("id", "parents", "message", "checksum", "applied_at", "duration_ms", "applied_by") ` +
        `select ?, ?, ?, ?, ?, ?, ? where ${fence.sql}`,
      [row.id, row.parents.join(' '), row.message, row.checksum, new Date().toISOString(), Math.round(row.durationMs), row.appliedBy, ...fence.params],
      trx,
    );
    if (inserted !== 1) throw new LockLostError(`the version row of "${row.id}" could not be written under the lock`);
  }

  /**
   * Records many revisions in one statement per 500 rows, for a run in one transaction. Unfenced:
   * the caller confirms the lock in the same transaction after this and before it commits, which
   * is what a per-row fence would only approximate (PostgreSQL reads activity once per
   * transaction). One statement instead of one per revision is most of 'all' mode's bookkeeping.
   */
  async recordMany(trx: Transaction, rows: readonly RecordDetails[]): Promise<void> {
    const appliedAt = new Date().toISOString();
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH);
      const inserted = await this.#db.run(
        `insert into ${this.#dialect.table} ("id", "parents", "message", "checksum", "applied_at", "duration_ms", "applied_by") values ` +
          batch.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', '),
        batch.flatMap((row) => [row.id, row.parents.join(' '), row.message, row.checksum, appliedAt, Math.round(row.durationMs), row.appliedBy]),
        trx,
      );
      if (inserted !== batch.length) throw new LockLostError(`the version rows of ${batch.length} revision(s) could not be written`);
    }
  }

  /** Removes many revisions' rows; unfenced for the same reason as recordMany(). */
  async unrecordMany(trx: Transaction, ids: readonly string[]): Promise<void> {
    for (let start = 0; start < ids.length; start += BATCH) {
      const batch = ids.slice(start, start + BATCH);
      const deleted = await this.#db.run(`delete from ${this.#dialect.table} where "id" in (${batch.map(() => '?').join(', ')})`, batch, trx);
      if (deleted !== batch.length) throw new LockLostError(`the version rows of ${batch.length} revision(s) could not be removed: another instance changed them`);
    }
  }

  /** Removes a revision's row in the caller's transaction, only while the lock is still held. */
  async unrecord(trx: Transaction, lock: HeldLock, id: string): Promise<void> {
    const fence = lock.fence();
    const deleted = await this.#db.run(
      `delete from ${this.#dialect.table} where "id" = ? and ${fence.sql}`,
      [id, ...fence.params],
      trx,
    );
    if (deleted !== 1) throw new LockLostError(`the version row of "${id}" could not be removed under the lock`);
  }

  /** Rewrites a kept row's checksum: how stamp() accepts an edited revision. */
  async updateChecksum(trx: Transaction, id: string, checksum: string): Promise<void> {
    await this.#db.run(`update ${this.#dialect.table} set "checksum" = ? where "id" = ?`, [checksum, id], trx);
  }
}
