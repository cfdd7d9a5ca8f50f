import type { TestDatabase } from '../../helpers/databases.ts';
import { schemaOf } from '../snapshot.ts';

const UPSHIFT = ['upshift_revisions', 'upshift_revisions_state'];

/**
 * The database's schema as sorted lines, in every user schema (PostgreSQL) and with enum types:
 * what "the schema is equal to the step before" compares. upshift's own tables are left out.
 */
export async function schemaDump(db: TestDatabase): Promise<string[]> {
  if (db.dialect === 'sqlite')
    return (await schemaOf(db)).filter((line) => !UPSHIFT.some((t) => line.includes(`"table":"${t}"`)));
  const user = "not in ('pg_catalog', 'information_schema', 'pg_toast')";
  const upshift = `(${UPSHIFT.map((t) => `'${t}'`).join(', ')})`;
  const columns = await db.query(
    `select table_schema, table_name, column_name, data_type, udt_name, character_maximum_length, numeric_precision, numeric_scale, is_nullable, column_default
       from information_schema.columns where table_schema ${user} and table_name not in ${upshift}`,
  );
  const indexes = await db.query(
    `select schemaname, indexdef from pg_indexes where schemaname ${user} and tablename not in ${upshift}`,
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
