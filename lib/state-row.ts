import type { Database } from './database.ts';
import { sha256Hex } from './crypto.ts';
import type { Dialect, Tables } from './dialect/dialect.ts';
import { Store } from './store.ts';

/**
 * The state row: the one-row digest that lets a boot with nothing to do send one short statement
 * instead of reading the version table. The state table (`<table>_state`) holds, in row 1, the
 * digest of the version table as upshift last wrote it; the bundle's digest is computed the same
 * way from the revisions in the code. Equal digests: nothing is pending, unknown or edited.
 *
 * What keeps the row true: triggers on the version table delete it in the same transaction as
 * any change to the table, upshift's own or one made by hand (the dialects' createTableStatements),
 * and upshift writes it again, from the table, once an operation is done. The read vouches for
 * the row only while the version table beside it exists (a table dropped by hand fires no trigger).
 */

/** The state table's columns: the digest with checksums ("keys") and of the ids alone ("ids"). */
export const STATE_COLUMNS = { keys: 'keys_digest', ids: 'ids_digest' } as const;

/** Prefixed with its format, like checksums: a future change can be told from an edit. */
const FORMAT = 'v1';

export interface DigestedRow {
  readonly id: string;
  readonly checksum: string;
}

/**
 * A digest of a set of applied revisions, independent of the order the rows come in: keys are
 * sorted first. With checksums the key of a row is "id checksum", so an edited revision changes
 * it; without, the id alone.
 */
export function appliedDigest(rows: Iterable<DigestedRow>, withChecksums: boolean): string {
  const keys: string[] = [];
  for (const row of rows) keys.push(withChecksums ? `${row.id} ${row.checksum}` : row.id);
  keys.sort();
  return `${FORMAT}:${sha256Hex(keys.join('\n'))}`;
}

/** The two digests the state row holds. */
export interface AppliedDigests {
  readonly keys: string;
  readonly ids: string;
}

export function appliedDigests(rows: readonly DigestedRow[]): AppliedDigests {
  return { keys: appliedDigest(rows, true), ids: appliedDigest(rows, false) };
}

/** What writing the row did: written; left to the writer busy with the table; or a table is missing. */
export type RefreshOutcome = 'written' | 'busy' | 'missing';

/**
 * Writes the state row from what the version table holds now, in a transaction that no writer
 * can interleave with, without waiting for one that is writing (its operation writes the row when
 * it is done).
 */
export async function refreshStateRow(db: Database, dialect: Dialect, tables: Tables): Promise<RefreshOutcome> {
  const store = new Store(db, dialect, tables);
  let done: 'written' | 'missing' | undefined;
  try {
    done = await dialect.whileNoOneWrites(async (trx) => {
      const digests = appliedDigests(await store.readApplied(trx));
      await db.run(dialect.stateRowUpsert(tables.stateTable), [digests.keys, digests.ids], trx);
      // A tenant's row in the registry of all tenants, in the same transaction (PostgreSQL tenants).
      await dialect.writeRegistryRow?.(trx, digests);
      return 'written' as const;
    });
  } catch (error) {
    // The state table dropped by hand: the caller creates the tables again, under the lock.
    if (dialect.isMissingTable(error)) return 'missing';
    throw error;
  }
  return done ?? 'busy';
}
