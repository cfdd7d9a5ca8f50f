import type { AnyDialectName, TestDatabase } from '../../helpers/databases.ts';
import { schemaOf } from '../snapshot.ts';

const UPSHIFT = ['upshift_revisions', 'upshift_revisions_state', 'upshift_revisions_progress'];
const upshiftList = `(${UPSHIFT.map((t) => `'${t}'`).join(', ')})`;

/**
 * The database's schema as sorted lines, in every user schema (PostgreSQL) and with enum types:
 * what "the schema is equal to the step before" compares. upshift's own tables are left out.
 */
export async function schemaDump(db: TestDatabase<AnyDialectName>): Promise<string[]> {
  if (db.dialect === 'sqlite')
    return (await schemaOf(db as TestDatabase)).filter((line) => !UPSHIFT.some((t) => line.includes(`"table":"${t}"`)));
  if (db.dialect === 'mariadb') return mariadbDump(db);
  const user = "not in ('pg_catalog', 'information_schema', 'pg_toast')";
  const columns = await db.query(
    `select table_schema, table_name, column_name, data_type, udt_name, character_maximum_length, numeric_precision, numeric_scale, is_nullable, column_default
       from information_schema.columns where table_schema ${user} and table_name not in ${upshiftList}`,
  );
  const indexes = await db.query(
    `select schemaname, indexdef from pg_indexes where schemaname ${user} and tablename not in ${upshiftList}`,
  );
  const constraints = await db.query(
    `select n.nspname, c.conrelid::regclass::text as table_name, c.conname, pg_get_constraintdef(c.oid) as def
       from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname ${user} and c.conrelid::regclass::text not like '%upshift_revisions%'`,
  );
  const enums = await db.query(
    `select n.nspname, t.typname, string_agg(e.enumlabel, ',' order by e.enumsortorder) as labels
       from pg_type t join pg_enum e on e.enumtypid = t.oid join pg_namespace n on n.oid = t.typnamespace group by 1, 2`,
  );
  const schemas = await db.query(`select nspname from pg_namespace where nspname ${user} and nspname not like 'pg_%'`);
  return [...columns, ...indexes, ...constraints, ...enums, ...schemas].map((r) => JSON.stringify(r)).sort();
}

/**
 * MariaDB: the database is the schema (`database()`). Tables with their engine, collation and
 * comment; columns with their full type (length, enum values, unsigned), nullability, default and
 * extra (auto_increment, on update); every index column; every constraint with its columns, the
 * referenced ones and the foreign key rules; the CHECK clauses. Column order counts too (unlike
 * on PostgreSQL, which adds a column last and cannot do otherwise): down() puts a column it adds
 * back where it was.
 */
async function mariadbDump(db: TestDatabase<AnyDialectName>): Promise<string[]> {
  const here = `table_schema = database() and table_name not in ${upshiftList}`;
  const tables = await db.query(
    `select table_name, table_type, engine, table_collation, table_comment from information_schema.tables where ${here}`,
  );
  const columns = await db.query(
    `select table_name, column_name, ordinal_position, column_type, is_nullable, column_default, extra, collation_name, column_comment
       from information_schema.columns where ${here}`,
  );
  const indexes = await db.query(
    `select table_name, index_name, non_unique, seq_in_index, column_name, sub_part, index_type
       from information_schema.statistics where ${here}`,
  );
  const constraints = await db.query(
    `select tc.table_name, tc.constraint_name, tc.constraint_type, k.ordinal_position, k.column_name,
            k.referenced_table_name, k.referenced_column_name, r.update_rule, r.delete_rule
       from information_schema.table_constraints tc
       left join information_schema.key_column_usage k
         on k.constraint_schema = tc.constraint_schema and k.table_name = tc.table_name and k.constraint_name = tc.constraint_name
       left join information_schema.referential_constraints r
         on r.constraint_schema = tc.constraint_schema and r.table_name = tc.table_name and r.constraint_name = tc.constraint_name
      where tc.table_schema = database() and tc.table_name not in ${upshiftList}`,
  );
  const checks = await db.query(
    `select table_name, constraint_name, check_clause from information_schema.check_constraints
      where constraint_schema = database() and table_name not in ${upshiftList}`,
  );
  return [...tables, ...columns, ...indexes, ...constraints, ...checks].map((r) => JSON.stringify(r)).sort();
}
