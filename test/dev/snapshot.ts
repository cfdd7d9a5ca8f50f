import type { TestDatabase } from '../helpers/databases.ts';

/**
 * Everything a test needs to say "this database did not change": the schema (tables, columns
 * with type and nullability, indexes, constraints) and every row of every table.
 */
export async function snapshot(db: TestDatabase): Promise<{ schema: string[]; rows: Record<string, unknown[]> }> {
  const schema = db.dialect === 'postgresql' ? await pgSchema(db) : await sqliteSchema(db);
  const tables =
    db.dialect === 'postgresql'
      ? (
          await db.query<{ name: string }>(
            "select tablename as name from pg_tables where schemaname = 'public' order by 1",
          )
        ).map((r) => r.name)
      : (
          await db.query<{ name: string }>(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by 1",
          )
        ).map((r) => r.name);
  const rows: Record<string, unknown[]> = {};
  for (const table of tables) rows[table] = await db.query(`select * from "${table}" order by 1`);
  return { schema, rows };
}

/** The schema part only, as sorted lines. */
export async function schemaOf(db: TestDatabase): Promise<string[]> {
  return (await snapshot(db)).schema;
}

async function pgSchema(db: TestDatabase): Promise<string[]> {
  const columns = await db.query<Record<string, unknown>>(
    "select table_name, column_name, data_type, character_maximum_length, is_nullable, column_default from information_schema.columns where table_schema = 'public'",
  );
  const indexes = await db.query<Record<string, unknown>>(
    "select indexdef from pg_indexes where schemaname = 'public'",
  );
  const constraints = await db.query<Record<string, unknown>>(
    "select conrelid::regclass::text as table_name, conname, pg_get_constraintdef(oid) as def from pg_constraint where connamespace = 'public'::regnamespace",
  );
  return [...columns, ...indexes, ...constraints].map((r) => JSON.stringify(r)).sort();
}

/** SQLite keeps each table's DDL text as written (a rebuilt table's quoting differs): compare structure. */
async function sqliteSchema(db: TestDatabase): Promise<string[]> {
  const lines: string[] = [];
  const tables = await db.query<{ name: string }>(
    "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'",
  );
  for (const { name } of tables) {
    for (const c of await db.query<Record<string, unknown>>(
      `select name, lower(type) as type, "notnull", dflt_value, pk from pragma_table_info('${name}')`,
    )) {
      lines.push(JSON.stringify({ table: name, column: c }));
    }
    for (const fk of await db.query<Record<string, unknown>>(
      `select "table", "from", "to", on_delete from pragma_foreign_key_list('${name}')`,
    )) {
      lines.push(JSON.stringify({ table: name, fk }));
    }
    for (const index of await db.query<{ name: string; unique: number; origin: string }>(
      `select name, "unique", origin from pragma_index_list('${name}')`,
    )) {
      const columns = (
        await db.query<{ name: string }>(`select name from pragma_index_info('${index.name}') order by seqno`)
      ).map((c) => c.name);
      lines.push(
        JSON.stringify({
          table: name,
          index: index.origin === 'c' ? index.name : index.origin,
          unique: index.unique,
          columns,
        }),
      );
    }
  }
  return lines.sort();
}
