import type { SchemaDifference } from '@mikro-orm/sql';
import { quoted } from './data-loss.ts';

/**
 * Statements that pass on the shadow database (it has no rows) and fail on any database that
 * holds rows (MariaDB/MySQL: or fill its rows with zeros): a NOT NULL column added without a
 * default to an existing table, and a column made NOT NULL. check() cannot see them; revision() names them, in the file and in the log, with
 * the fix. Returns the warnings by the index of the statement they belong to.
 */
export function notNullWarnings(
  difference: SchemaDifference,
  statements: readonly string[],
  dialect: 'postgresql' | 'sqlite' | 'mariadb' = 'postgresql',
): Map<number, string[]> {
  // MariaDB/MySQL add such a column without failing: each row gets the type's implicit default.
  const addedWithoutDefault =
    dialect === 'mariadb'
      ? "on MariaDB/MySQL every row already there silently gets the type's implicit default (0, '' or a zero date)"
      : 'it fails on a table that has rows';
  const q = (name: string) => (dialect === 'mariadb' ? `\`${name}\`` : `"${name}"`);
  const warnings = new Map<number, string[]>();
  const add = (table: string, column: string, text: string) => {
    const at = statementFor(statements, table, column);
    warnings.set(at, [...(warnings.get(at) ?? []), text]);
  };
  for (const change of Object.values(difference.changedTables)) {
    const table = change.toTable.getShortestName(); // without the default schema
    for (const column of Object.values(change.addedColumns)) {
      if (
        column.nullable ||
        column.autoincrement ||
        column.generated ||
        (column.default !== undefined && column.default !== null)
      )
        continue;
      add(
        table,
        column.name,
        `adds NOT NULL column ${quoted(table, column.name)} without a default: ${addedWithoutDefault}. ` +
          'Give the property a default, or add it nullable, fill it in a data step, and make it NOT NULL in a later revision',
      );
    }
    for (const { column, fromColumn, changedProperties } of Object.values(change.changedColumns)) {
      if (!changedProperties.has('nullable') || column.nullable || !fromColumn.nullable) continue;
      add(
        table,
        column.name,
        `makes ${quoted(table, column.name)} NOT NULL: it fails if any row holds NULL there. ` +
          `Fill those rows first, in a data step before this statement (update ... set ${q(column.name)} = ... where ${q(column.name)} is null)`,
      );
    }
  }
  return warnings;
}

/**
 * The statement that adds or changes the column: the first that names both the table (or its
 * SQLite rebuild copy) and the column, else the first that names the table, else the first.
 */
function statementFor(statements: readonly string[], table: string, column: string): number {
  const bare = table.slice(table.lastIndexOf('.') + 1);
  const namesTable = (s: string) =>
    [`"${bare}"`, `\`${bare}\``, `"${bare}__temp_alter"`, `\`${bare}__temp_alter\``].some((q) => s.includes(q));
  const namesColumn = (s: string) => s.includes(`"${column}"`) || s.includes(`\`${column}\``);
  const both = statements.findIndex((s) => namesTable(s) && namesColumn(s));
  if (both >= 0) return both;
  const tableOnly = statements.findIndex(namesTable);
  return Math.max(tableOnly, 0);
}
