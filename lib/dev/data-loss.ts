import type { Column, DatabaseSchema, DatabaseTable } from '@mikro-orm/sql';
import { rebuiltTables } from './sqlite-rewrite.ts';

/**
 * Which generated statements destroy data: dropping a table, dropping a column, a type change
 * that may not hold every old value, and a SQLite table rebuild that does one of those. Returns
 * a one-line description for the comment in the revision file and the warning in the log.
 * Names are read schema-qualified (`"archive"."note"`): a table of another PostgreSQL schema is
 * looked up in that schema, never in the default one.
 */
const PART = String.raw`(?:\`[^\`]+\`|"[^"]+"|[A-Za-z_][\w$]*)`;
const QUALIFIED = String.raw`(${PART}(?:\.${PART})?)`;
const DROP_TABLE = new RegExp(String.raw`^drop\s+table\s+(?:if\s+exists\s+)?${QUALIFIED}`, 'i');
const ALTER_TABLE = new RegExp(String.raw`^alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?${QUALIFIED}\s+`, 'i');
const DROP_COLUMN = new RegExp(String.raw`(?:^|,)\s*drop\s+(?:column\s+)?(?:if\s+exists\s+)?(${PART})`, 'gi');
const ALTER_TYPE = new RegExp(String.raw`(?:^|,)\s*alter\s+(?:column\s+)?(${PART})\s+(?:set\s+data\s+)?type\s`, 'gi');
// MariaDB/MySQL: `modify [column] c <type> ...` and `change [column] old new <type> ...`, the new
// type read from the statement itself (the target schema's spelling of a type varies).
const MYSQL_TYPE = String.raw`((?:enum|set)\s*\((?:\s*'(?:[^']|'')*'\s*,?)*\)|[a-z]+(?:\s+precision)?(?:\s*\([^)]*\))?(?:\s+unsigned)?)`;
const MODIFY = new RegExp(String.raw`(?:^|,)\s*modify\s+(?:column\s+)?(${PART})\s+${MYSQL_TYPE}`, 'gi');
const CHANGE = new RegExp(String.raw`(?:^|,)\s*change\s+(?:column\s+)?(${PART})\s+${PART}\s+${MYSQL_TYPE}`, 'gi');

export type LossDialect = 'postgresql' | 'sqlite' | 'mariadb';

export function dataLossOf(
  sql: string,
  all: readonly string[],
  from: DatabaseSchema,
  to: DatabaseSchema,
  dialect: LossDialect,
): string | undefined {
  const dropTable = DROP_TABLE.exec(sql);
  if (dropTable) {
    const table = unquote(dropTable[1]!);
    if (rebuiltTables(all).has(table)) return rebuildLoss(table, from, to, dialect);
    return `drops table ${quoted(table)} and every row in it`;
  }
  const alter = ALTER_TABLE.exec(sql);
  if (!alter) return undefined;
  const table = unquote(alter[1]!);
  const actions = sql.slice(alter[0].length);
  const losses: string[] = [];
  for (const drop of actions.matchAll(DROP_COLUMN)) {
    const column = unquote(drop[1]!);
    if (/^(?:constraint|index|default|not|identity|expression|primary|foreign)$/i.test(column)) continue; // drop constraint x, drop default, drop not null
    losses.push(`drops column ${quoted(table, column)} and its values`);
  }
  for (const change of actions.matchAll(ALTER_TYPE)) {
    const column = unquote(change[1]!);
    const before = tableOf(from, table)?.getColumn(column)?.type;
    const after = tableOf(to, table)?.getColumn(column)?.type;
    if (before && after && !isNarrowing(before, after, dialect)) continue;
    losses.push(typeChange(table, column, before, after));
  }
  if (dialect === 'mariadb') {
    for (const change of [...actions.matchAll(MODIFY), ...actions.matchAll(CHANGE)]) {
      const column = unquote(change[1]!);
      const before = mysqlTypeOf(tableOf(from, table)?.getColumn(column));
      const after = change[2]!;
      if (before && !isNarrowing(before, after, dialect)) continue;
      losses.push(typeChange(table, column, before, after));
    }
  }
  return losses.length > 0 ? losses.join('; ') : undefined;
}

function typeChange(table: string, column: string, before: string | undefined, after: string | undefined): string {
  return `changes the type of ${quoted(table, column)} from ${before ?? 'its current type'} to ${after ?? 'a new type'}, which may not hold every existing value`;
}

/** A MariaDB/MySQL column's full type as MikroORM reads or builds it: unsigned and enum values included. */
function mysqlTypeOf(column: Column | undefined): string | undefined {
  if (!column) return undefined;
  const type = column.type.trim();
  if (/^enum$/i.test(type) && column.enumItems?.length)
    return `enum(${column.enumItems.map((item) => `'${String(item).replaceAll("'", "''")}'`).join(',')})`;
  return column.unsigned && !/\bunsigned\b/i.test(type) ? `${type} unsigned` : type;
}

function rebuildLoss(
  table: string,
  from: DatabaseSchema,
  to: DatabaseSchema,
  dialect: LossDialect,
): string | undefined {
  const before = tableOf(from, table);
  const after = tableOf(to, table);
  if (!before || !after) return undefined;
  const losses: string[] = [];
  for (const column of before.getColumns()) {
    const next = after.getColumn(column.name);
    if (!next) losses.push(`drops column ${quoted(table, column.name)} and its values`);
    else if (isNarrowing(column.type, next.type, dialect)) {
      losses.push(
        `changes the type of ${quoted(table, column.name)} from ${column.type} to ${next.type}, which may not hold every existing value`,
      );
    }
  }
  return losses.length ? `rebuilds ${quoted(table)}: ${losses.join('; ')}` : undefined;
}

/** `archive.note` → `"archive"."note"`, with a column: `"archive"."note"."body"`. */
export function quoted(table: string, column?: string): string {
  return [...table.split('.'), ...(column === undefined ? [] : [column])].map((part) => `"${part}"`).join('.');
}

/** The table by its qualified name; a bare name is the default schema's. */
function tableOf(schema: DatabaseSchema, name: string): DatabaseTable | undefined {
  return schema.getTable(name);
}

/** `"archive"."note"` → `archive.note`; `` `note` `` → `note`. */
export function unquote(qualified: string): string {
  return [...qualified.matchAll(new RegExp(PART, 'g'))]
    .map(([part]) => (/^[`"]/.test(part) ? part.slice(1, -1) : part))
    .join('.');
}

const INTEGER_RANK: Record<string, number> = {
  tinyint: 0,
  smallint: 1,
  int2: 1,
  mediumint: 1.5,
  integer: 2,
  int: 2,
  int4: 2,
  bigint: 3,
  int8: 3,
};
const FLOAT_RANK: Record<string, number> = {
  real: 1,
  float4: 1,
  float: 1,
  'double precision': 2,
  double: 2,
  float8: 2,
};
const TEXT = new Set(['text', 'clob', 'mediumtext', 'longtext']);
/** MariaDB/MySQL's text types by the bytes they hold: a smaller one truncates. */
const MYSQL_TEXT_RANK: Record<string, number> = { tinytext: 0, text: 1, mediumtext: 2, longtext: 3 };

/**
 * True unless the new type certainly holds every value of the old one. On SQLite a declared type
 * is only an affinity: every integer type stores the same 64-bit integers, and a length on a
 * text type is not enforced, so a change within the same affinity loses nothing.
 */
export function isNarrowing(fromType: string, toType: string, dialect: LossDialect = 'postgresql'): boolean {
  if (dialect === 'sqlite') {
    const a = sqliteAffinity(fromType);
    const b = sqliteAffinity(toType);
    if (a === b || b === 'blob') return false;
  }
  if (dialect === 'mariadb') {
    const verdict = mysqlNarrowing(fromType, toType);
    if (verdict !== undefined) return verdict;
  }
  const a = parseType(fromType);
  const b = parseType(toType);
  if (a.name === b.name && a.args.join() === b.args.join()) return false;
  if (TEXT.has(b.name) || (isChar(b.name) && b.args.length === 0))
    return !(isChar(a.name) || TEXT.has(a.name) || a.name === 'uuid');
  if (isChar(a.name) && isChar(b.name)) return a.args.length === 0 || (b.args[0] ?? 0) < (a.args[0] ?? 0);
  if (a.name in INTEGER_RANK && b.name in INTEGER_RANK) return INTEGER_RANK[b.name]! < INTEGER_RANK[a.name]!;
  if (a.name in INTEGER_RANK && (b.name === 'numeric' || b.name === 'decimal') && b.args.length === 0) return false;
  if (a.name in INTEGER_RANK && INTEGER_RANK[a.name]! < 3 && FLOAT_RANK[b.name] === 2) return false; // exact below 2^53
  if (a.name in FLOAT_RANK && b.name in FLOAT_RANK) return FLOAT_RANK[b.name]! < FLOAT_RANK[a.name]!;
  if (a.name === 'date' && /^(?:timestamp|timestamptz|datetime)\b/.test(b.name)) return false; // a date is the timestamp at its midnight
  if ((a.name === 'numeric' || a.name === 'decimal') && (b.name === 'numeric' || b.name === 'decimal')) {
    if (b.args.length === 0) return false;
    const [ap = 1000, as = 0] = a.args;
    const [bp = 1000, bs = 0] = b.args;
    return bp - bs < ap - as || bs < as;
  }
  return true;
}

/**
 * MariaDB/MySQL's own cases, or undefined for the common rules: enum values (a value left out is
 * lost), signedness (a negative does not fit unsigned, the upper half of unsigned does not fit the
 * signed type of the same size), integer display widths (not a range) and the text types' sizes.
 */
function mysqlNarrowing(fromType: string, toType: string): boolean | undefined {
  const from = fromType.trim().toLowerCase();
  const to = toType.trim().toLowerCase();
  const fromEnum = enumValues(from);
  const toEnum = enumValues(to);
  if (fromEnum && toEnum) return fromEnum.some((value) => !toEnum.includes(value));
  if (fromEnum && (TEXT.has(to) || to === 'text')) return false;
  if (fromEnum && /^varchar\((\d+)\)$/.test(to))
    return fromEnum.some((value) => value.length > Number(/\((\d+)\)/.exec(to)![1]));
  if (toEnum) return true;
  const integer = (type: string) => {
    const match = /^([a-z]+)(?:\s*\(\d+\))?(\s+unsigned)?$/.exec(type);
    return match && match[1]! in INTEGER_RANK ? { rank: INTEGER_RANK[match[1]!]!, unsigned: !!match[2] } : undefined;
  };
  const a = integer(from);
  const b = integer(to);
  if (a && b) {
    if (a.unsigned === b.unsigned) return b.rank < a.rank;
    return a.unsigned ? b.rank <= a.rank : true;
  }
  if (from in MYSQL_TEXT_RANK && to in MYSQL_TEXT_RANK) return MYSQL_TEXT_RANK[to]! < MYSQL_TEXT_RANK[from]!;
  if (to === 'tinytext') return !/^(?:var)?char\((\d+)\)$/.test(from) || Number(/\((\d+)\)/.exec(from)![1]) > 63;
  return undefined;
}

function enumValues(type: string): string[] | undefined {
  const body = /^enum\s*\((.*)\)$/s.exec(type)?.[1];
  return body === undefined
    ? undefined
    : [...body.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replaceAll("''", "'"));
}

/** SQLite's rules for the affinity of a declared type (section 3.1 of "Datatypes In SQLite"). */
function sqliteAffinity(type: string): 'integer' | 'text' | 'blob' | 'real' | 'numeric' {
  const t = type.toLowerCase();
  if (t.includes('int')) return 'integer';
  if (t.includes('char') || t.includes('clob') || t.includes('text')) return 'text';
  if (t.includes('blob') || t.trim() === '') return 'blob';
  if (t.includes('real') || t.includes('floa') || t.includes('doub')) return 'real';
  return 'numeric';
}

function isChar(name: string): boolean {
  return (
    name === 'varchar' || name === 'character varying' || name === 'char' || name === 'character' || name === 'nvarchar'
  );
}

function parseType(type: string): { name: string; args: number[] } {
  const match = /^\s*([a-z ]+?)\s*(?:\(([^)]*)\))?\s*$/i.exec(type);
  if (!match) return { name: type.trim().toLowerCase(), args: [] };
  return {
    name: match[1]!.toLowerCase(),
    args: (match[2] ?? '')
      .split(',')
      .filter(Boolean)
      .map((x) => Number(x.trim())),
  };
}
