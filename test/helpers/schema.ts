import type { AnyDialectName, TestDatabase } from './databases.ts';

/** The user tables in the test database (not the version and state tables), sorted. */
export async function userTables(db: TestDatabase<AnyDialectName>): Promise<string[]> {
  const rows =
    db.dialect === 'postgresql'
      ? await db.query<{ name: string }>("select tablename as name from pg_tables where schemaname = 'public'")
      : db.dialect === 'mariadb'
        ? await db.query<{ name: string }>(
            'select table_name as name from information_schema.tables where table_schema = database()',
          )
        : await db.query<{ name: string }>(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'",
          );
  return rows
    .map((r) => r.name)
    .filter((n) => !['upshift_revisions', 'upshift_revisions_state', 'upshift_revisions_progress'].includes(n))
    .sort();
}

export async function versionRows(db: TestDatabase<AnyDialectName>, table = 'upshift_revisions'): Promise<string[]> {
  const rows = await db.query<{ id: string }>(`select id from "${table}" order by id`);
  return rows.map((r) => r.id);
}

/** SQL written with standard "quoted" names, as `dialect` reads it (MariaDB's double quotes are strings). */
export function quotedFor(dialect: string, sql: string): string {
  return dialect === 'mariadb' ? sql.replaceAll('"', '`') : sql;
}
