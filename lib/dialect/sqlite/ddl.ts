import { STATE_COLUMNS } from '../../state-row.ts';
import { quoteIdentifier, type Tables } from '../dialect.ts';

/**
 * The version table, the state table, and the triggers that keep the state row true: any change
 * to the version table deletes the state row in the same transaction, whoever makes it (upshift,
 * or a hand edit). "If not exists" throughout, so running them again brings back a state table
 * dropped by hand, and the triggers on a table made before upshift had them.
 */
export function createTableStatements(name: string, tables: Tables): string[] {
  return [
    `create table if not exists ${tables.table} (` +
      '"id" text primary key not null, "parents" text not null, "message" text not null, ' +
      '"checksum" text not null, "applied_at" text not null, ' +
      '"duration_ms" integer not null, "applied_by" text not null)',
    `create table if not exists ${tables.stateTable} ("id" integer primary key not null, "${STATE_COLUMNS.keys}" text not null, "${STATE_COLUMNS.ids}" text not null)`,
    // SQLite triggers fire per row and per event, and their names are per database: hence three,
    // named after the table. `where 1` deletes every row all the same, but row by row: without a
    // WHERE, SQLite empties the table by clearing its root page, which it then journals and writes
    // again on every version-table write, even though the table is already empty after the first.
    // (`1`, not `true`: the schema must still parse in a SQLite older than 3.23, say an old sqlite3
    // shell opening the file.)
    ...(['insert', 'update', 'delete'] as const).map(
      (event) =>
        `create trigger if not exists ${quoteIdentifier(`${name}_clear_state_on_${event}`)} after ${event} on ${tables.table} ` +
        `begin delete from ${tables.stateTable} where 1; end`,
    ),
  ];
}
