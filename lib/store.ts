import type { Transaction } from '@mikro-orm/core';
import type { Database, Row } from './database.ts';
import type { Dialect, Tables } from './dialect/dialect.ts';
import { LockLostError } from './errors.ts';

/** Rows per statement when many are written at once: short SQL, far below any parameter limit. */
const BATCH = 500;

/** The version table's columns, in the order valuesOf() gives them. */
const ROW_COLUMNS = ['id', 'parents', 'message', 'checksum', 'applied_at', 'duration_ms', 'applied_by'] as const;

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

/** A SQL condition true only while the lock is held (see HeldLock): writes carry it. */
export interface Fence {
  sql: string;
  params: unknown[];
}

/**
 * The version table: one row per applied revision, primary key = revision id, so a second
 * insert of the same revision fails loudly instead of double-recording. The store reads and
 * writes rows, in the tables locate() found; it never decides what to run.
 */
export class Store {
  readonly tables: Tables;
  readonly #db: Database;
  readonly #dialect: Dialect;
  readonly #readKeysSql: Record<string, string> = {};

  constructor(db: Database, dialect: Dialect, tables: Tables) {
    this.#db = db;
    this.#dialect = dialect;
    this.tables = tables;
  }

  /** An identifier quoted as this database quotes them. */
  readonly #q = (name: string): string => this.#dialect.quote(name);

  #columns(names: readonly string[]): string {
    return names.map(this.#q).join(', ');
  }

  /** The whole applied set in one query. A missing table is an empty set (the first boot). */
  async readApplied(trx?: Transaction, { withAppliedAt = false } = {}): Promise<AppliedRevision[]> {
    let rows: Row[];
    try {
      rows = await this.#db.query(
        `select ${this.#columns(['id', 'parents', 'checksum', ...(withAppliedAt ? ['applied_at'] : [])])} from ${this.tables.table}`,
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
   * the lock polls, on the connection `read` sends to. A missing table is no keys (the first boot).
   */
  async readKeys(
    withChecksums: boolean,
    read: (sql: string) => Promise<Row | undefined> = (sql) => this.#dialect.readRow(sql),
  ): Promise<AppliedKeys> {
    const q = this.#q;
    const key = withChecksums ? this.#dialect.concat(q('id'), "' '", q('checksum')) : q('id');
    const sql = (this.#readKeysSql[key] ??=
      `select count(*) as ${q('count')}, ${this.#dialect.joinedList(key)} as ${q('keys')} from ${this.tables.table}`);
    let row: Row | undefined;
    try {
      row = await read(sql);
    } catch (error) {
      if (this.#dialect.isMissingTable(error)) return new AppliedKeys(0, '');
      throw error;
    }
    return new AppliedKeys(Number(row?.count ?? 0), (row?.keys as string | null | undefined) ?? '');
  }

  /** Which of `ids` have a row, read in `trx`. */
  async appliedAmong(trx: Transaction, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.#db.query<{ id: string }>(
      `select ${this.#q('id')} from ${this.tables.table} where ${this.#q('id')} in (${ids.map(() => '?').join(', ')})`,
      ids,
      trx,
    );
    return new Set(rows.map((r) => String(r.id)));
  }

  /** Records one revision in the caller's transaction, only while the lock is still held. */
  async record(trx: Transaction | undefined, fence: Fence, row: RecordDetails): Promise<void> {
    const inserted = await this.#db.run(
      `insert into ${this.tables.table} (${this.#columns(ROW_COLUMNS)}) select ?, ?, ?, ?, ?, ?, ? where ${fence.sql}`,
      [...valuesOf(row, new Date().toISOString()), ...fence.params],
      trx,
    );
    if (inserted !== 1) throw new LockLostError(`the version row of "${row.id}" could not be written under the lock`);
  }

  /**
   * Records many revisions in one statement per 500 rows. Unfenced: the caller confirms the lock
   * in the same transaction after this and before it commits, which is what a per-row fence would
   * only approximate. One statement instead of one per revision is most of 'all' mode's bookkeeping.
   */
  async recordMany(trx: Transaction, rows: readonly RecordDetails[]): Promise<void> {
    const appliedAt = new Date().toISOString();
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH);
      const inserted = await this.#db.run(
        `insert into ${this.tables.table} (${this.#columns(ROW_COLUMNS)}) values ` +
          batch.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', '),
        batch.flatMap((row) => valuesOf(row, appliedAt)),
        trx,
      );
      if (inserted !== batch.length)
        throw new LockLostError(`the version rows of ${batch.length} revision(s) could not be written`);
    }
  }

  /** Removes one revision's row in the caller's transaction, only while the lock is still held. */
  async unrecord(trx: Transaction | undefined, fence: Fence, id: string): Promise<void> {
    const deleted = await this.#db.run(
      `delete from ${this.tables.table} where ${this.#q('id')} = ? and ${fence.sql}`,
      [id, ...fence.params],
      trx,
    );
    if (deleted !== 1) throw new LockLostError(`the version row of "${id}" could not be removed under the lock`);
  }

  /** Removes many revisions' rows; unfenced for the same reason as recordMany(). */
  async unrecordMany(trx: Transaction, ids: readonly string[]): Promise<void> {
    for (let start = 0; start < ids.length; start += BATCH) {
      const batch = ids.slice(start, start + BATCH);
      const deleted = await this.#db.run(
        `delete from ${this.tables.table} where ${this.#q('id')} in (${batch.map(() => '?').join(', ')})`,
        batch,
        trx,
      );
      if (deleted !== batch.length)
        throw new LockLostError(
          `the version rows of ${batch.length} revision(s) could not be removed: another instance changed them`,
        );
    }
  }

  /** Rewrites a kept row's checksum: how stamp() accepts an edited revision. */
  async updateChecksum(trx: Transaction, id: string, checksum: string): Promise<void> {
    const q = this.#q;
    await this.#db.run(
      `update ${this.tables.table} set ${q('checksum')} = ? where ${q('id')} = ?`,
      [checksum, id],
      trx,
    );
  }
}

function valuesOf(row: RecordDetails, appliedAt: string): unknown[] {
  return [
    row.id,
    row.parents.join(' '),
    row.message,
    row.checksum,
    appliedAt,
    Math.round(row.durationMs),
    row.appliedBy,
  ];
}

/**
 * The version table's keys as the database joined them: `count` rows, their keys joined with
 * commas in the order the database read them.
 */
export class AppliedKeys {
  readonly count: number;
  readonly joined: string;

  constructor(count: number, joined: string) {
    this.count = count;
    this.joined = joined;
  }

  /**
   * The rows the keys stand for, with parents from the bundle (`parentsOf`), which is all that
   * deciding what to run needs. Undefined when a key names a revision the bundle does not know
   * (only the full read has the stored parents that place it), or when a value holds a comma and
   * the keys cannot be split back one per row: the full read decides then.
   */
  rows(parentsOf: (id: string) => readonly string[] | undefined): AppliedRevision[] | undefined {
    const keys = this.joined ? this.joined.split(',') : [];
    if (keys.length !== this.count) return undefined;
    const rows: AppliedRevision[] = [];
    for (const key of keys) {
      const space = key.indexOf(' ');
      const id = space < 0 ? key : key.slice(0, space);
      const parents = parentsOf(id);
      if (!parents) return undefined;
      rows.push({ id, parents: [...parents], checksum: space < 0 ? '' : key.slice(space + 1) });
    }
    return rows;
  }
}
