import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import type { TestDatabase } from './databases.ts';

export type Settled<T> = { status: 'resolved'; value: T } | { status: 'rejected'; error: unknown } | { status: 'hung' };

/** What `promise` did within `ms`: a call that never settles shows as 'hung' instead of stalling the test. */
export async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Settled<T>>((resolve) => (timer = setTimeout(() => resolve({ status: 'hung' }), ms)));
  try {
    return await Promise.race([
      promise.then(
        (value): Settled<T> => ({ status: 'resolved', value }),
        (error: unknown): Settled<T> => ({ status: 'rejected', error }),
      ),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Makes a file read-only for this process, root included: the immutable attribute where the file
 * system has it (tests run as root in CI, and root ignores the mode bits), else the mode bits.
 * Returns the undo.
 */
export function makeReadOnly(file: string): () => void {
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'ignore' });
    return () => execFileSync('chattr', ['-i', file], { stdio: 'ignore' });
  } catch {
    chmodSync(file, 0o444);
    return () => chmodSync(file, 0o644);
  }
}

/** Ends every backend of the test database but the test's own: what a server restart does to them. */
export async function terminateBackends(db: TestDatabase, where = 'true'): Promise<number> {
  const rows = await db.query<{ pid: number }>(
    `select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and (${where})`,
  );
  for (const { pid } of rows) await db.query('select pg_terminate_backend($1)', [pid]);
  return rows.length;
}

/** Advisory locks and open transactions left in the test database (PostgreSQL). */
export async function leftovers(db: TestDatabase): Promise<{ advisoryLocks: number; openTransactions: number }> {
  const [locks] = await db.query<{ n: number }>(
    "select count(*)::int as n from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())",
  );
  const [open] = await db.query<{ n: number }>(
    "select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state like 'idle in transaction%'",
  );
  return { advisoryLocks: locks!.n, openTransactions: open!.n };
}
