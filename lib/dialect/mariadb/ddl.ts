import { PROGRESS_SUFFIX, STATE_SUFFIX } from '../dialect.ts';
import { STATE_COLUMNS } from '../../state-row.ts';

/** MariaDB/MySQL quote identifiers with backticks (double quotes are strings without ANSI_QUOTES). */
export function quoteMysqlIdentifier(name: string): string {
  return '`' + name.replaceAll('`', '``') + '`';
}

/** upshift's three tables on MariaDB/MySQL, quoted. */
export interface MysqlTables {
  readonly table: string;
  readonly stateTable: string;
  /** One row per revision being applied: how many of its statements have committed. */
  readonly progressTable: string;
}

export function mysqlTables(name: string): MysqlTables {
  return {
    table: quoteMysqlIdentifier(name),
    stateTable: quoteMysqlIdentifier(name + STATE_SUFFIX),
    progressTable: quoteMysqlIdentifier(name + PROGRESS_SUFFIX),
  };
}

/**
 * The version table, the state table, the progress table, and the triggers that keep the state
 * row true: any change to the version table deletes the state row in the same statement's
 * transaction, whoever makes it. InnoDB, so that DML revisions and their version row commit
 * together. Each statement commits on its own (DDL), and each is safe to run again.
 * `create trigger if not exists` is MariaDB's (10.1.4+); MySQL has no such clause, which is one
 * reason MySQL is not claimed yet.
 */
export function createMysqlTableStatements(name: string, tables: MysqlTables): string[] {
  return [
    `create table if not exists ${tables.table} (` +
      '`id` varchar(255) not null primary key, `parents` text not null, `message` text not null, ' +
      '`checksum` varchar(255) not null, `applied_at` varchar(32) not null, ' +
      '`duration_ms` int not null, `applied_by` varchar(255) not null) engine=InnoDB',
    `create table if not exists ${tables.stateTable} (` +
      `\`id\` int not null primary key, \`${STATE_COLUMNS.keys}\` mediumtext not null, \`${STATE_COLUMNS.ids}\` mediumtext not null) engine=InnoDB`,
    `create table if not exists ${tables.progressTable} (` +
      '`id` varchar(255) not null primary key, `checksum` varchar(255) not null, `completed` int not null, ' +
      '`attempting` int not null, `schema_before` varchar(64) not null, `total` int not null, `resumable` tinyint not null, `started_at` varchar(32) not null, `started_by` varchar(255) not null) engine=InnoDB',
    ...(['insert', 'update', 'delete'] as const).map(
      (event) =>
        `create trigger if not exists ${quoteMysqlIdentifier(`${name}_clear_state_on_${event}`)} after ${event} on ${tables.table} ` +
        `for each row delete from ${tables.stateTable}`,
    ),
  ];
}

/**
 * The boot path's one statement: the state row's digest, vouching for the version table beside
 * it (named, never scanned) — a version table dropped by hand makes it fail as a missing table —
 * and the database it was read in, which must be the one the ORM is configured for.
 */
export function mysqlBootRead(kind: 'keys' | 'ids', tables: MysqlTables): string {
  return (
    `select \`${STATE_COLUMNS[kind]}\` as \`digest\`, ${CURRENT_DATABASE} from ${tables.stateTable} ` +
    `where not exists (select 1 from ${tables.table} where false)`
  );
}

/** The connection's database, and whether the server compares database names without case. */
export const CURRENT_DATABASE = 'database() as `database`, @@lower_case_table_names <> 0 as `caseless`';

/** Whether `actual` (a CURRENT_DATABASE row) is the database `intended` names. */
export function isDatabase(row: { database?: unknown; caseless?: unknown }, intended: string): boolean {
  const actual = row.database;
  if (typeof actual !== 'string') return false;
  return Number(row.caseless) ? actual.toLowerCase() === intended.toLowerCase() : actual === intended;
}
