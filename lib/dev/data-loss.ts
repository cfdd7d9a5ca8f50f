import type { DatabaseSchema, DatabaseTable } from '@mikro-orm/sql';

/**
 * Which generated statements destroy data: dropping a table, dropping a column, a type change
 * that may not hold every old value, and a SQLite table rebuild that does one of those. Returns
 * a one-line description for the comment in the revision file and the warning in the log.
 */
const NAME = String.raw`(?:\`([^\`]+)\`|"([^"]+)"|([A-Za-z_][\w.]*))`;
const DROP_TABLE = new RegExp(String.raw`^drop table (?:if exists )?(?:temp\.)?${NAME}`, 'i');
const DROP_COLUMN = new RegExp(String.raw`^alter table ${NAME} drop column ${NAME}`, 'i');
const ALTER_TYPE = new RegExp(String.raw`^alter table ${NAME} alter column ${NAME} type `, 'i');

export function dataLossOf(sql: string, all: readonly string[], from: DatabaseSchema, to: DatabaseSchema): string | undefined {
  const dropTable = DROP_TABLE.exec(sql);
  if (dropTable) {
    const table = nameOf(dropTable, 1);
    if (/^drop table temp\./i.test(sql)) return undefined; // upshift's own copy of a rebuild
    const rebuilt = all.some((s) => new RegExp(String.raw`^alter table [\`"]${escape(table)}__temp_alter[\`"] rename to `, 'i').test(s));
    return rebuilt ? rebuildLoss(table, from, to) : `drops table "${table}" and every row in it`;
  }
  const dropColumn = DROP_COLUMN.exec(sql);
  if (dropColumn) return `drops column "${nameOf(dropColumn, 1)}"."${nameOf(dropColumn, 4)}" and its values`;
  const alterType = ALTER_TYPE.exec(sql);
  if (alterType) {
    const table = nameOf(alterType, 1);
    const column = nameOf(alterType, 4);
    const before = tableOf(from, table)?.getColumn(column)?.type;
    const after = tableOf(to, table)?.getColumn(column)?.type;
    if (before && after && !isNarrowing(before, after)) return undefined;
    return `changes the type of "${table}"."${column}" from ${before ?? 'its current type'} to ${after ?? 'a new type'}, which may not hold every existing value`;
  }
  return undefined;
}

function rebuildLoss(table: string, from: DatabaseSchema, to: DatabaseSchema): string | undefined {
  const before = tableOf(from, table);
  const after = tableOf(to, table);
  if (!before || !after) return undefined;
  const losses: string[] = [];
  for (const column of before.getColumns()) {
    const next = after.getColumn(column.name);
    if (!next) losses.push(`drops column "${table}"."${column.name}" and its values`);
    else if (isNarrowing(column.type, next.type)) losses.push(`changes the type of "${table}"."${column.name}" from ${column.type} to ${next.type}, which may not hold every existing value`);
  }
  return losses.length ? `rebuilds "${table}": ${losses.join('; ')}` : undefined;
}

function tableOf(schema: DatabaseSchema, name: string): DatabaseTable | undefined {
  return schema.getTable(name) ?? schema.getTable(name.split('.').pop()!);
}

function nameOf(match: RegExpExecArray, first: number): string {
  return (match[first] ?? match[first + 1] ?? match[first + 2])!;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const INTEGERS = ['smallint', 'int2', 'integer', 'int', 'int4', 'bigint', 'int8'];
const INTEGER_RANK: Record<string, number> = { smallint: 1, int2: 1, integer: 2, int: 2, int4: 2, bigint: 3, int8: 3 };
const FLOAT_RANK: Record<string, number> = { real: 1, float4: 1, 'double precision': 2, double: 2, float8: 2 };
const TEXT = new Set(['text', 'clob']);

/** True unless the new type certainly holds every value of the old one. */
export function isNarrowing(fromType: string, toType: string): boolean {
  const a = parseType(fromType);
  const b = parseType(toType);
  if (a.name === b.name && a.args.join() === b.args.join()) return false;
  if (TEXT.has(b.name) || (isChar(b.name) && b.args.length === 0)) return !(isChar(a.name) || TEXT.has(a.name) || a.name === 'uuid');
  if (isChar(a.name) && isChar(b.name)) return a.args.length === 0 || (b.args[0] ?? 0) < (a.args[0] ?? 0);
  if (INTEGERS.includes(a.name) && INTEGERS.includes(b.name)) return INTEGER_RANK[b.name]! < INTEGER_RANK[a.name]!;
  if (INTEGERS.includes(a.name) && (b.name === 'numeric' || b.name === 'decimal') && b.args.length === 0) return false;
  if (INTEGERS.includes(a.name) && INTEGER_RANK[a.name]! < 3 && FLOAT_RANK[b.name] === 2) return false; // exact below 2^53
  if (a.name in FLOAT_RANK && b.name in FLOAT_RANK) return FLOAT_RANK[b.name]! < FLOAT_RANK[a.name]!;
  if ((a.name === 'numeric' || a.name === 'decimal') && (b.name === 'numeric' || b.name === 'decimal')) {
    if (b.args.length === 0) return false;
    const [ap = 1000, as = 0] = a.args;
    const [bp = 1000, bs = 0] = b.args;
    return bp - bs < ap - as || bs < as;
  }
  return true;
}

function isChar(name: string): boolean {
  return name === 'varchar' || name === 'character varying' || name === 'char' || name === 'character' || name === 'nvarchar';
}

function parseType(type: string): { name: string; args: number[] } {
  const match = /^\s*([a-z ]+?)\s*(?:\(([^)]*)\))?\s*$/i.exec(type);
  if (!match) return { name: type.trim().toLowerCase(), args: [] };
  return { name: match[1]!.toLowerCase(), args: (match[2] ?? '').split(',').filter(Boolean).map((x) => Number(x.trim())) };
}
