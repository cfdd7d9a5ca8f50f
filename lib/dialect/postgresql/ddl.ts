import type { Transaction } from '@mikro-orm/core';
import type { Database } from '../../database.ts';
import { quoteIdentifier, quoteLiteral, STATE_SUFFIX } from '../dialect.ts';
import { STATE_COLUMNS } from '../../state-row.ts';
import type { Location } from './placement.ts';
import { registryTriggerBlock, type Registry } from './tenant-registry.ts';

/** The trigger on the version table that clears the state row. Trigger names are per table here. */
const CLEAR_STATE_TRIGGER = 'upshift_clear_state';

/**
 * One statement, so one round trip: it runs under the lock on every operation that writes, and
 * on a first deploy with several replicas that lock is what the others wait for. A DO block runs
 * its statements in order, so the trigger check sees the tables created above it. Creating only
 * what is missing also brings back a state table dropped by hand.
 */
export function createTablesStatement({ schema, tables }: Location, registry?: Registry): string {
  return (
    'do $upshift$ declare s name; t name; begin ' +
    `create schema if not exists ${quoteIdentifier(schema)}; ` +
    `create table if not exists ${tables.table} (` +
    '"id" varchar(64) primary key, "parents" text not null, "message" text not null, ' +
    '"checksum" varchar(80) not null, "applied_at" timestamptz not null, ' +
    '"duration_ms" integer not null, "applied_by" varchar(255) not null); ' +
    `create table if not exists ${tables.stateTable} ("id" integer primary key, "${STATE_COLUMNS.keys}" varchar(80) not null, "${STATE_COLUMNS.ids}" varchar(80) not null); ` +
    `${clearStateTrigger(tables.table)} ${registry ? registryTriggerBlock(tables.table, registry) : ''} end $upshift$`
  );
}

/**
 * Any change to the version table deletes the state row in the same transaction, whoever makes
 * it: upshift, or a person fixing the table by hand at 3 a.m. One statement-level trigger
 * (TRUNCATE included), created once; the check makes running this under every lock cheap. The
 * function (named like the state table: a function may share a table's name) names the state
 * table with the version table's own schema and name, read from the catalog as plain names
 * (`%I` then quotes each exactly once), so a session with another search_path that edits the
 * table still clears the right row.
 */
function clearStateTrigger(table: string): string {
  const oid = `${quoteLiteral(table)}::regclass`;
  return (
    `select n.nspname, c.relname into s, t from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.oid = ${oid}; ` +
    `if not exists (select 1 from pg_trigger where tgrelid = ${oid} and tgname = ${quoteLiteral(CLEAR_STATE_TRIGGER)}) then ` +
    `execute format('create or replace function %I.%I() returns trigger language plpgsql as $body$ begin delete from %I.%I; return null; end $body$', s, t || ${quoteLiteral(STATE_SUFFIX)}, s, t || ${quoteLiteral(STATE_SUFFIX)}); ` +
    `execute format('create trigger %I after insert or update or delete or truncate on %I.%I for each statement execute function %I.%I()', ` +
    `${quoteLiteral(CLEAR_STATE_TRIGGER)}, s, t, s, t || ${quoteLiteral(STATE_SUFFIX)}); ` +
    'end if;'
  );
}

/**
 * Begins a unit's transaction; with a search path (tenants), sets it for that transaction only
 * (SET LOCAL ends with it, so the pooled connection goes back as it was).
 */
export async function beginWithSearchPath(
  db: Database,
  searchPath: readonly string[] | undefined,
): Promise<Transaction> {
  const trx = await db.begin();
  if (!searchPath) return trx;
  try {
    await db.run(`set local search_path to ${searchPath.map(quoteIdentifier).join(', ')}`, [], trx);
    return trx;
  } catch (error) {
    await db.rollback(trx);
    throw error;
  }
}
