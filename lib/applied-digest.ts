import { sha256Hex } from './crypto.ts';

/**
 * The boot path compares two digests instead of reading the version table. The state table
 * holds the digest of the version table as upshift last wrote it; the bundle's digest is
 * computed the same way from the revisions in the code. Reading one short row costs the same
 * for 20 revisions as for 10,000, where reading and joining every row's key grows with them.
 *
 * What keeps the row true: triggers on the version table delete it in the same transaction as
 * any change to the table, upshift's own or one made by hand (see the dialects'
 * createTableStatements), and upshift writes it again, from the table, once an operation is
 * done. Dropping the version table by hand fires no trigger: drop the state table with it.
 */

/** Prefixed with its format, like checksums: a future change can be told from an edit. */
const FORMAT = 'v1';

export interface DigestedRow {
  readonly id: string;
  readonly checksum: string;
}

/** The two digests the state row holds: with checksums, and of the ids alone (checksums: "off"). */
export interface AppliedDigests {
  readonly keys: string;
  readonly ids: string;
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

export function appliedDigests(rows: readonly DigestedRow[]): AppliedDigests {
  return { keys: appliedDigest(rows, true), ids: appliedDigest(rows, false) };
}
