import type { Transaction } from '@mikro-orm/core';
import type { Database } from '../../database.ts';
import { ForeignKeysNotDisabledError, ForeignKeyViolationError, type ForeignKeyViolation } from '../../errors.ts';

/**
 * SQLite's procedure for schema changes that rebuild a table ("Making Other Kinds Of Table
 * Schema Changes", the 12 steps), for revisions that declare `disableForeignKeys: true`.
 *
 * Why: with foreign keys on, `DROP TABLE` runs an implicit `DELETE`, which fires the ON DELETE
 * actions (SET NULL, CASCADE) of every table that references the dropped one, so rebuilding a
 * referenced table nulls or deletes rows in *other* tables. `defer_foreign_keys` defers checks,
 * not actions, and `pragma foreign_keys` is a no-op inside a transaction. So foreign keys go off
 * outside the transaction, the revision runs inside it, `pragma foreign_key_check` runs before
 * COMMIT (any dangling reference rolls everything back), and the setting is restored afterwards.
 *
 * MikroORM's SQLite driver has a single connection: a pragma sent outside a transaction applies
 * to the connection that the revision's transaction then uses. PostgreSQL alters tables in place
 * and needs none of this.
 */

/**
 * Runs `work` with foreign keys off on the connection, and always restores the value it read
 * before, whether `work` succeeds or fails. `work` learns whether they were on: only then must
 * it call assertNoForeignKeyViolations before its COMMIT (a database whose app keeps foreign keys
 * off has not promised that its references hold, so its old rows are not checked either).
 * Must be called outside any transaction on the connection: throws ForeignKeysNotDisabledError
 * when the pragma did not take effect, before `work` runs.
 */
export async function withForeignKeysOff<T>(
  db: Database,
  revisionIds: readonly string[],
  work: (wereOn: boolean) => Promise<T>,
): Promise<T> {
  const wereOn = await foreignKeysOn(db);
  if (!wereOn) return work(false);
  await db.query('pragma foreign_keys = off');
  let result: T;
  try {
    if (await foreignKeysOn(db)) throw new ForeignKeysNotDisabledError([...revisionIds]);
    result = await work(true);
  } catch (error) {
    // The error that explains the failure wins over one from restoring the setting.
    await db.query('pragma foreign_keys = on').catch(() => undefined);
    throw error;
  }
  await db.query('pragma foreign_keys = on');
  return result;
}

/** How many violations the error lists; the check stops reading after one more. */
const SHOWN = 5;

/**
 * Inside `trx`, before its COMMIT: throws ForeignKeyViolationError naming the table, rowid and
 * referenced table of the first violations when any reference dangles. The caller's transaction
 * then rolls back.
 */
export async function assertNoForeignKeyViolations(
  db: Database,
  trx: Transaction,
  revisionIds: readonly string[],
): Promise<void> {
  // The table-valued form, with a limit: a rebuild gone wrong can orphan every row of a table.
  const rows = await db.query<{ table: string; rowid: number | bigint | null; parent: string }>(
    `select "table", "rowid", "parent" from pragma_foreign_key_check limit ${SHOWN + 1}`,
    [],
    trx,
  );
  if (rows.length === 0) return;
  const violations: ForeignKeyViolation[] = rows.slice(0, SHOWN).map((r) => ({
    table: r.table,
    rowid: r.rowid === null || r.rowid === undefined ? null : Number(r.rowid),
    parent: r.parent,
  }));
  throw new ForeignKeyViolationError([...revisionIds], violations, rows.length > SHOWN);
}

async function foreignKeysOn(db: Database): Promise<boolean> {
  const [row] = await db.query<{ foreign_keys: number | bigint }>('pragma foreign_keys');
  return Number(row?.foreign_keys ?? 0) === 1;
}
