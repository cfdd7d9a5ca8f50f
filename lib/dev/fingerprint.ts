import { SHADOW_UPSHIFT_TABLES, type Shadow } from './shadow.ts';

/**
 * A hash of the shadow database's schema in one query: tables, columns (type, length, precision,
 * nullability, default, comment), indexes, constraints and enum types on PostgreSQL; the same
 * from information_schema on MariaDB/MySQL (whose enums are column types); the stored DDL of
 * every object on SQLite. check() compares fingerprints to test each revision's round
 * trip, because reading the whole schema through MikroORM three times per revision is what made
 * it take seconds. Fingerprints may differ where schemas are equal (SQLite keeps DDL text, which
 * a rebuild can reformat): check() then falls back to MikroORM's exact comparison, so a
 * fingerprint can cost time but never decide a failure on its own.
 */
export async function schemaFingerprint(shadow: Shadow): Promise<string> {
  if (shadow.dialect === 'postgresql') {
    const pool = await nativePool(shadow);
    // A named statement is planned once per connection: planning this query cost as much as a
    // third of running it, and check() runs it three times per revision.
    if (pool) return (await pool.query({ name: 'upshift_schema_fingerprint', text: POSTGRESQL })).rows[0]!.fp;
  }
  const query = shadow.dialect === 'postgresql' ? POSTGRESQL : shadow.dialect === 'mariadb' ? MARIADB : SQLITE;
  const [row] = (await shadow.orm.em.getConnection().execute(query)) as { fp: string | null }[];
  return row?.fp ?? '';
}

interface PgPool {
  query(query: { name: string; text: string }): Promise<{ rows: { fp: string }[] }>;
}

/** The shadow's pg Pool; undefined when MikroORM does not own it (a Kysely passed in driverOptions). */
async function nativePool(shadow: Shadow): Promise<PgPool | undefined> {
  try {
    return (await shadow.orm.em.getConnection().getNativeClient()) as PgPool;
  } catch {
    return undefined;
  }
}

// A constant of ours, so it is written into the SQL (MikroORM's formatter has no numbered placeholders).
const UPSHIFT_TABLES = `(${SHADOW_UPSHIFT_TABLES.map((name) => `'${name}'`).join(', ')})`;
const USER_SCHEMA = "not in ('pg_catalog', 'information_schema', 'pg_toast')";
// A default cannot name a column, so it is printed without its table (relid 0): given the table,
// pg_get_expr opens and locks it, 3-5 % of the read with 200 tables. A generated column's
// expression names columns: it needs its table.
const DEFAULT_EXPRESSION =
  "case when a.attgenerated = '' then pg_get_expr(d.adbin, 0) else pg_get_expr(d.adbin, d.adrelid) end";

// From pg_catalog directly: the information_schema views cost tens of milliseconds per read.
// Comments come from one join on pg_description, not obj_description()/col_description() per
// row (each a query of its own: a third of the read with 200 tables). The items are combined by
// a sum of their 64-bit hashes, with their count: no sort, no long string to build and digest.
// sum(bigint) adds in 128-bit integers and cannot overflow here; a cast to numeric per item cost
// about 6 % of the read.
// An index that backs a primary key, unique or exclusion constraint is described by its options
// and that constraint, whose definition pg_get_constraintdef gives below: pg_get_indexdef is the
// costliest call here, and such indexes are most of a schema's.
const COMMENT =
  "left join pg_description ds on ds.objoid = c.oid and ds.classoid = 'pg_class'::regclass and ds.objsubid";
const POSTGRESQL = `select count(*) || ':' || coalesce(sum(hashtextextended(item, 0)), 0) as "fp" from (
  select concat_ws(':', 't', n.nspname, c.relname, c.relkind, ds.description) as item
    from pg_class c join pg_namespace n on n.oid = c.relnamespace ${COMMENT} = 0
    where c.relkind in ('r', 'p', 'v', 'm', 'S') and n.nspname ${USER_SCHEMA} and c.relname not in ${UPSHIFT_TABLES}
  union all
  select concat_ws(':', 'c', n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
      ${DEFAULT_EXPRESSION}, a.attidentity, a.attgenerated, ds.description)
    from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum ${COMMENT} = a.attnum
    where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p', 'v', 'm') and n.nspname ${USER_SCHEMA} and c.relname not in ${UPSHIFT_TABLES}
  union all
  select concat_ws(':', 'i', n.nspname, c.relname, coalesce('constraint ' || ck.conname || ':' || concat_ws(':', ci.reloptions, ci.reltablespace), pg_get_indexdef(i.indexrelid)))
    from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace join pg_class ci on ci.oid = i.indexrelid
    left join pg_constraint ck on ck.conindid = i.indexrelid and ck.conrelid = i.indrelid and ck.contype in ('p', 'u', 'x')
    where n.nspname ${USER_SCHEMA} and c.relname not in ${UPSHIFT_TABLES}
  union all
  select concat_ws(':', 'k', n.nspname, r.relname, k.conname, pg_get_constraintdef(k.oid))
    from pg_constraint k join pg_class r on r.oid = k.conrelid join pg_namespace n on n.oid = r.relnamespace
    where n.nspname ${USER_SCHEMA} and r.relname not in ${UPSHIFT_TABLES}
  union all
  select concat_ws(':', 'e', n.nspname, t.typname, string_agg(e.enumlabel, ',' order by e.enumsortorder))
    from pg_type t join pg_enum e on e.enumtypid = t.oid join pg_namespace n on n.oid = t.typnamespace group by n.nspname, t.typname
) items`;

const SQLITE = `select group_concat(item, char(10)) as "fp" from (
  select type || ':' || name || ':' || coalesce(sql, '') as item from sqlite_master
  where name not like 'sqlite_%' and tbl_name not in ${UPSHIFT_TABLES} order by item
)`;

// MariaDB/MySQL: information_schema of the connection's database. Each item's md5 is cut to 60
// bits and summed as an unsigned integer (sum() of integers is exact: DECIMAL); a column's
// position is left out, since a column that down() drops and up() adds again comes back last.
// The table's AUTO_INCREMENT counter and row statistics are not schema and are left out too.
// check_constraints.table_name is MariaDB's (its CHECK names are per table).
const MARIADB_ITEM = (item: string, from: string) =>
  `select cast(conv(substr(md5(${item}), 1, 15), 16, 10) as unsigned) as h from ${from}`;
const MARIADB_OWN = (column: string) => `table_schema = database() and ${column} not in ${UPSHIFT_TABLES}`;
const MARIADB = `select concat(count(*), ':', coalesce(sum(h), 0)) as fp from (
  ${MARIADB_ITEM("concat_ws(':', 't', table_name, table_type, engine, table_collation, create_options, table_comment)", `information_schema.tables where ${MARIADB_OWN('table_name')}`)}
  union all
  ${MARIADB_ITEM("concat_ws(':', 'c', table_name, column_name, column_type, is_nullable, coalesce(column_default, '(none)'), extra, collation_name, column_comment, generation_expression)", `information_schema.columns where ${MARIADB_OWN('table_name')}`)}
  union all
  ${MARIADB_ITEM("concat_ws(':', 'i', table_name, index_name, non_unique, seq_in_index, column_name, sub_part, index_type, index_comment)", `information_schema.statistics where ${MARIADB_OWN('table_name')}`)}
  union all
  ${MARIADB_ITEM("concat_ws(':', 'k', table_name, constraint_name, column_name, ordinal_position, referenced_table_name, referenced_column_name)", `information_schema.key_column_usage where ${MARIADB_OWN('table_name')}`)}
  union all
  ${MARIADB_ITEM("concat_ws(':', 'r', table_name, constraint_name, update_rule, delete_rule, referenced_table_name)", `information_schema.referential_constraints where constraint_schema = database() and table_name not in ${UPSHIFT_TABLES}`)}
  union all
  ${MARIADB_ITEM("concat_ws(':', 'x', table_name, constraint_name, check_clause)", `information_schema.check_constraints where ${MARIADB_OWN('table_name').replace('table_schema', 'constraint_schema')}`)}
  union all
  ${MARIADB_ITEM("concat_ws(':', 'v', table_name, view_definition)", `information_schema.views where ${MARIADB_OWN('table_name')}`)}
) items`;
