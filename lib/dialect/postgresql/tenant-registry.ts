import type { Transaction } from '@mikro-orm/core';
import { sha256Int64 } from '../../crypto.ts';
import type { Database } from '../../database.ts';
import { STATE_COLUMNS } from '../../state-row.ts';
import { quoteIdentifier, quoteLiteral } from '../dialect.ts';

/**
 * The registry of tenants: one table in the app's shared schema, `<table>_tenants`, with each
 * tenant's state digests, so that a call over any number of tenants with nothing to do is one
 * statement on one table (reading a state table in each of 1,000 schemas means opening 1,000
 * relations). It is kept as true as each tenant's own state row: a trigger on the tenant's version
 * table deletes the tenant's registry row in the same transaction as any change, and the row is
 * written with the tenant's state row, only while that trigger exists.
 */

/** The trigger on a tenant's version table that clears its registry row. */
const TRIGGER = 'upshift_clear_tenant_state';
export const REGISTRY_SUFFIX = '_tenants';

export interface Registry {
  /** Quoted and qualified, in the app's shared schema. */
  readonly table: string;
}

/** Creates the registry when missing, serialized between replicas by a transaction advisory lock. */
export async function ensureRegistry(db: Database, registry: Registry): Promise<void> {
  await db.transaction(async (trx) => {
    await db.query(
      'select pg_advisory_xact_lock(?::bigint)',
      [sha256Int64(`upshift-registry:${registry.table}`).toString()],
      trx,
    );
    await db.run(
      `create table if not exists ${registry.table} ("schema" text primary key, "${STATE_COLUMNS.keys}" varchar(80) not null, "${STATE_COLUMNS.ids}" varchar(80) not null)`,
      [],
      trx,
    );
  });
}

/** The tenants' digests, in one statement; nothing when the registry does not exist yet or is in another database. */
export async function readRegistry(
  db: Database,
  registry: Registry,
  schemas: readonly string[],
  kind: 'keys' | 'ids',
  intended: string | undefined,
): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  if (schemas.length === 0) return digests;
  let rows: { database: string; schema: string; digest: string }[];
  try {
    rows = await db.query(
      `select current_database() as "database", "schema", "${STATE_COLUMNS[kind]}" as "digest" from ${registry.table} ` +
        `where "schema" = any(array[${schemas.map(quoteLiteral).join(', ')}]::text[])`,
    );
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === '42P01') return digests;
    throw error;
  }
  for (const row of rows) if (intended === undefined || row.database === intended) digests.set(row.schema, row.digest);
  return digests;
}

/**
 * Part of a tenant's table DDL (inside its DO block, under its lock): the trigger that deletes the
 * tenant's registry row whenever its version table changes. `s` and `t` are the block's variables:
 * the tenant's schema and version table, read from the catalog.
 */
export function registryTriggerBlock(table: string, registry: Registry): string {
  const oid = `${quoteLiteral(table)}::regclass`;
  return (
    `if to_regclass(${quoteLiteral(registry.table)}) is not null and not exists (select 1 from pg_trigger where tgrelid = ${oid} and tgname = ${quoteLiteral(TRIGGER)}) then ` +
    `execute format('create or replace function %I.%I() returns trigger language plpgsql as $body$ begin delete from ${registry.table.replaceAll("'", "''").replaceAll('%', '%%')} where "schema" = %L; return null; end $body$', s, t || ${quoteLiteral(REGISTRY_SUFFIX)}, s); ` +
    `execute format('create trigger %I after insert or update or delete or truncate on %I.%I for each statement execute function %I.%I()', ${quoteLiteral(TRIGGER)}, s, t, s, t || ${quoteLiteral(REGISTRY_SUFFIX)}); ` +
    'end if;'
  );
}

/** Writes the tenant's registry row, only while its trigger keeps the row true. */
export async function writeRegistryRow(
  db: Database,
  trx: Transaction,
  registry: Registry,
  schema: string,
  table: string,
  digests: { keys: string; ids: string },
): Promise<void> {
  await db.run(
    `insert into ${registry.table} ("schema", "${STATE_COLUMNS.keys}", "${STATE_COLUMNS.ids}") select ?, ?, ? ` +
      `where exists (select 1 from pg_trigger where tgrelid = to_regclass(?) and tgname = ${quoteLiteral(TRIGGER)}) ` +
      `on conflict ("schema") do update set "${STATE_COLUMNS.keys}" = excluded."${STATE_COLUMNS.keys}", "${STATE_COLUMNS.ids}" = excluded."${STATE_COLUMNS.ids}"`,
    [schema, digests.keys, digests.ids, table],
    trx,
  );
}

export function registryIn(schema: string, name: string): Registry {
  return { table: `${quoteIdentifier(schema)}.${quoteIdentifier(name + REGISTRY_SUFFIX)}` };
}
