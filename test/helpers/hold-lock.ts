import { createHash } from 'node:crypto';
import pg from 'pg';
import type { TestDatabase } from './databases.ts';

/**
 * Holds upshift's lock from outside upshift, the way another instance would: PostgreSQL, the
 * session advisory lock (key as documented in the README: sha256 of
 * "upshift:<database>:<schema>:<table>", first 8 bytes, signed); SQLite, the write lock
 * (BEGIN IMMEDIATE on a connection of its own).
 */
export async function holdLock(
  db: TestDatabase,
  table = 'upshift_revisions',
  schema?: string,
): Promise<{ release(): Promise<void>; pid?: number }> {
  if (db.dialect === 'postgresql') {
    const client = new pg.Client({ connectionString: db.location, application_name: 'test lock holder' });
    await client.connect();
    const { rows } = await client.query<{ db: string; schema: string; pid: number }>(
      'select current_database() as db, current_schema() as schema, pg_backend_pid() as pid',
    );
    const key = createHash('sha256')
      .update(`upshift:${rows[0]!.db}:${schema ?? rows[0]!.schema}:${table}`)
      .digest()
      .readBigInt64BE(0);
    await client.query('select pg_advisory_lock($1::bigint)', [key.toString()]);
    return { pid: rows[0]!.pid, release: () => client.end() };
  }
  const { default: Sqlite } = await import('better-sqlite3');
  const conn = new Sqlite(db.location);
  conn.exec('begin immediate');
  return {
    async release() {
      if (conn.open) {
        conn.exec('rollback');
        conn.close();
      }
    },
  };
}

/**
 * A pg_locks condition for advisory locks in the current database only: test files run in
 * parallel, each on a database of its own, and another file's lock is not this test's.
 */
export const ADVISORY_LOCKS_HERE =
  "locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())";
