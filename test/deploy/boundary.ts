import { ADVISORY_LOCKS_HERE } from '../helpers/hold-lock.ts';
import { revisionId } from '../helpers/revisions.ts';
import { userTables, versionRows } from '../helpers/schema.ts';

/** What the test's own connection needs: the TestDatabase query, or the stress scripts' equivalent. */
export interface Inspect {
  dialect: 'postgresql' | 'sqlite';
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Boundary {
  /** Version rows of the chain, in order. */
  rows: string[];
  /** Every version row has its table and exactly one side-effect row, and nothing else exists. */
  consistent: boolean;
  /** Side-effect rows per revision, for messages. */
  problems: string[];
}

/**
 * Checks that a database migrated by chain(n, { sideEffects: true }) is at a revision boundary:
 * revisions 1..k recorded, each with its table and one side-effect row; nothing of k+1..n.
 */
export async function boundary(db: Inspect, n: number): Promise<Boundary> {
  const rows = await versionRows(db as never).catch(() => [] as string[]);
  const tables = new Set(await userTables(db as never));
  const problems: string[] = [];
  const k = rows.length;
  const expected = Array.from({ length: k }, (_, i) => revisionId('rev', i + 1));
  if (rows.join() !== expected.join()) problems.push(`version rows are not a prefix: ${rows.join(',')}`);
  const side = tables.has('side_effects')
    ? await db.query<{ revision: string }>('select revision from side_effects')
    : [];
  const counts = new Map<string, number>();
  for (const s of side) counts.set(s.revision, (counts.get(s.revision) ?? 0) + 1);
  for (let i = 1; i <= n; i++) {
    const id = revisionId('rev', i);
    const recorded = i <= k;
    if (tables.has(`t_${id}`) !== recorded)
      problems.push(`${id}: recorded ${recorded}, table ${tables.has(`t_${id}`)}`);
    if ((counts.get(id) ?? 0) !== (recorded ? 1 : 0))
      problems.push(`${id}: recorded ${recorded}, side-effect rows ${counts.get(id) ?? 0}`);
  }
  if (k === 0 && tables.has('side_effects')) problems.push('side_effects exists without rev0001');
  return { rows, consistent: problems.length === 0, problems };
}

/** True when no session holds an advisory lock (PostgreSQL) / the write lock is free (SQLite). */
export async function noStaleLock(db: Inspect): Promise<boolean> {
  if (db.dialect === 'postgresql') {
    const rows = await db.query<{ n: number }>(`select count(*)::int as n from pg_locks where ${ADVISORY_LOCKS_HERE}`);
    return rows[0]!.n === 0;
  }
  try {
    await db.query('begin immediate');
    await db.query('rollback');
    return true;
  } catch {
    return false;
  }
}
