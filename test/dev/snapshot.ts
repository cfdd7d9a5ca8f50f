import type { AnyDialectName, TestDatabase } from '../helpers/databases.ts';

/**
 * Everything a test needs to say "this database did not change": the schema (tables, columns
 * with type and nullability, indexes, constraints) and every row of every table.
 */
export async function snapshot(
  db: TestDatabase<AnyDialectName>,
): Promise<{ schema: string[]; rows: Record<string, unknown[]> }> {
  const schema =
    db.dialect === 'postgresql'
      ? await pgSchema(db)
      : db.dialect === 'mariadb'
        ? await mariadbSchema(db)
        : await sqliteSchema(db);
  const list = {
    postgresql: "select tablename as name from pg_tables where schemaname = 'public' order by 1",
    sqlite: "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by 1",
    mariadb: 'select table_name as name from information_schema.tables where table_schema = database() order by 1',
  }[db.dialect];
  const tables = (await db.query<{ name: string }>(list)).map((r) => r.name);
  const q = (name: string) => (db.dialect === 'mariadb' ? `\`${name}\`` : `"${name}"`);
  const rows: Record<string, unknown[]> = {};
  for (const table of tables) rows[table] = await db.query(`select * from ${q(table)} order by 1`);
  return { schema, rows };
}

/** The schema part only, as sorted lines. */
export async function schemaOf(db: TestDatabase<AnyDialectName>): Promise<string[]> {
  return (await snapshot(db)).schema;
}

async function pgSchema(db: TestDatabase<AnyDialectName>): Promise<string[]> {
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

/** MariaDB: columns (not their position: a column dropped and added again comes back last), indexes, foreign keys, checks. */
async function mariadbSchema(db: TestDatabase<AnyDialectName>): Promise<string[]> {
  const here = 'table_schema = database()';
  const columns = await db.query<Record<string, unknown>>(
    `select table_name, column_name, column_type, is_nullable, column_default, extra from information_schema.columns where ${here}`,
  );
  const indexes = await db.query<Record<string, unknown>>(
    `select table_name, index_name, non_unique, seq_in_index, column_name from information_schema.statistics where ${here}`,
  );
  const keys = await db.query<Record<string, unknown>>(
    `select table_name, constraint_name, column_name, referenced_table_name, referenced_column_name from information_schema.key_column_usage where ${here} and referenced_table_name is not null`,
  );
  const rules = await db.query<Record<string, unknown>>(
    'select table_name, constraint_name, update_rule, delete_rule from information_schema.referential_constraints where constraint_schema = database()',
  );
  const checks = await db.query<Record<string, unknown>>(
    'select table_name, constraint_name, check_clause from information_schema.check_constraints where constraint_schema = database()',
  );
  return [...columns, ...indexes, ...keys, ...rules, ...checks].map((r) => JSON.stringify(r)).sort();
}

/** SQLite keeps each table's DDL text as written (a rebuilt table's quoting differs): compare structure. */
async function sqliteSchema(db: TestDatabase<AnyDialectName>): Promise<string[]> {
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
