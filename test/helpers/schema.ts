import type { TestDatabase } from './databases.ts';

/** The user tables in the test database (not the version and state tables), sorted. */
export async function userTables(db: TestDatabase): Promise<string[]> {
  const rows =
    db.dialect === 'postgresql'
      ? await db.query<{ name: string }>("select tablename as name from pg_tables where schemaname = 'public'")
      : await db.query<{ name: string }>(
          "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'",
        );
  return rows
    .map((r) => r.name)
    .filter((n) => n !== 'upshift_revisions' && n !== 'upshift_revisions_state')
    .sort();
}

export async function versionRows(db: TestDatabase, table = 'upshift_revisions'): Promise<string[]> {
  const rows = await db.query<{ id: string }>(`select id from "${table}" order by id`);
  return rows.map((r) => r.id);
}
