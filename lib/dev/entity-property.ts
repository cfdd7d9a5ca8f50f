import type { MikroORM } from '@mikro-orm/core';
import { unquote } from './data-loss.ts';
import type { Shadow } from './shadow.ts';
import { splitTopLevel } from './sql-split.ts';
import { TEMP_SUFFIX } from './sqlite-rewrite.ts';

/** The table, column and entity property a failing generated statement comes from, as far as can be told. */
export interface Culprit {
  table?: string | undefined;
  column?: string | undefined;
  /** `Entity.property` */
  property?: string | undefined;
}

const NAME = String.raw`((?:\`[^\`]+\`|"[^"]+"|[A-Za-z_][\w$]*)(?:\.(?:\`[^\`]+\`|"[^"]+"|[A-Za-z_][\w$]*))?)`;
const TABLE_OF = [
  new RegExp(String.raw`^create\s+table\s+(?:if\s+not\s+exists\s+)?${NAME}`, 'i'),
  new RegExp(String.raw`^alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?${NAME}`, 'i'),
  new RegExp(String.raw`^insert\s+into\s+${NAME}`, 'i'),
  new RegExp(String.raw`^create\s+(?:unique\s+)?index\s+(?:if\s+not\s+exists\s+)?\S+\s+on\s+${NAME}`, 'i'),
];

/**
 * Names what a failing statement was generated from. The column comes from the database's
 * message when it names one (PostgreSQL does), else from the statement when it defines one
 * column, else by trying each column definition of the statement alone in a temporary table of
 * the shadow: the one that fails is the culprit (SQLite's "near '(': syntax error" names none).
 */
export async function culpritOf(shadow: Shadow, statement: string, reason: string): Promise<Culprit> {
  const table = tableOf(statement);
  if (!table) return {};
  const definitions = columnDefinitions(statement);
  let column = /column "([^"]+)"/i.exec(reason)?.[1] ?? /column `([^`]+)`/i.exec(reason)?.[1];
  if (!column && definitions.length === 1) column = definitions[0]!.name;
  if (!column) column = await probe(shadow, definitions);
  return { table, column, property: column ? propertyOf(shadow.orm, table, column) : undefined };
}

function tableOf(statement: string): string | undefined {
  for (const pattern of TABLE_OF) {
    const match = pattern.exec(statement.trim());
    if (match) {
      const name = unquote(match[1]!);
      return name.endsWith(TEMP_SUFFIX) ? name.slice(0, -TEMP_SUFFIX.length) : name;
    }
  }
  return undefined;
}

/** The column definitions a `create table` or an `alter table … add` statement holds. */
function columnDefinitions(statement: string): { name: string; sql: string }[] {
  const text = statement.trim();
  const create = /^create\s+table\s+[^(]+\(([\s\S]*)\)[^)]*$/i.exec(text);
  const parts = create
    ? splitTopLevel(create[1]!)
    : /^alter\s+table\s/i.test(text)
      ? splitTopLevel(text.replace(/^alter\s+table\s+\S+(?:\s*\.\s*\S+)?\s+/i, ''))
      : [];
  const out: { name: string; sql: string }[] = [];
  for (const part of parts) {
    const body = create
      ? part.trim()
      : /^\s*add\s+(?:column\s+)?(?:if\s+not\s+exists\s+)?([\s\S]+)$/i.exec(part)?.[1]?.trim();
    if (!body || /^(?:constraint|primary\s+key|unique|check|foreign\s+key)\b/i.test(body)) continue;
    const name = /^(`[^`]+`|"[^"]+")/.exec(body)?.[1];
    if (name) out.push({ name: name.slice(1, -1), sql: body });
  }
  return out;
}

/** The first column definition that the database rejects on its own, in a temporary table. */
async function probe(shadow: Shadow, definitions: { name: string; sql: string }[]): Promise<string | undefined> {
  const connection = shadow.orm.em.getConnection();
  for (const [i, definition] of definitions.entries()) {
    // Without what ties it to other tables: a reference is not what a lone column can test.
    const sql = definition.sql.replace(/\s+references\s[\s\S]*$/i, '');
    const table = `upshift_probe_${i}`;
    try {
      await connection.execute(`create temporary table ${table} (${sql})`);
      await connection.execute(`drop table ${table}`);
    } catch {
      return definition.name;
    }
  }
  return undefined;
}

/** `Entity.property` whose column this is, among the entities mapped to the table. */
function propertyOf(orm: MikroORM, table: string, column: string): string | undefined {
  const bare = table.includes('.') ? table.slice(table.lastIndexOf('.') + 1) : table;
  for (const meta of orm.getMetadata().getAll().values()) {
    if (meta.tableName !== bare && meta.tableName !== table) continue;
    for (const prop of meta.props) {
      if (prop.fieldNames?.includes(column)) return `${meta.className}.${prop.name}`;
    }
  }
  return undefined;
}
