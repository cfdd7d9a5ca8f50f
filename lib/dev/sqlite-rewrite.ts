import { childrenFirst } from './drop-order.ts';
import { closingQuote, splitTopLevel } from './sql-split.ts';

/**
 * The one place where MikroORM's SQLite statements are rewritten before they go into a revision.
 * Each rewrite exists because the statement as MikroORM writes it loses rows or fails:
 *
 * 1. `pragma foreign_keys = off` / `= on` around a table rebuild are removed. They are no-ops
 *    inside a transaction, and every revision runs in one. Instead the revision declares
 *    `disableForeignKeys: true` (see `needsForeignKeysOff`), and the runner turns foreign keys off
 *    outside the transaction (SQLite's 12-step procedure, lib/dialect/sqlite-foreign-keys.ts).
 *    MikroORM's rebuild itself (create `t__temp_alter`, insert select, drop `t`, rename) is kept:
 *    with foreign keys off, the DROP no longer fires the ON DELETE actions of the tables that
 *    reference `t`, which is what nulled or deleted their rows.
 * 2. A run of `drop table` statements is ordered children first, so that no table is dropped
 *    while a table still to be dropped references it: with foreign keys on, dropping the child
 *    afterwards fails with "no such table" (MikroORM drops in creation order). Tables that
 *    reference each other in a cycle stay together, in their order, and need foreign keys off.
 * 3. A `create table` with a table-level `primary key (a, b)` loses the column-level
 *    `primary key` that MikroORM also writes on each of its columns ("more than one primary key").
 * 4. A rebuild copies the rows with `null as c` for each column the new table adds. For a column
 *    with a default, that writes NULL where the default belongs, and fails a NOT NULL column on a
 *    table that has rows: the column's default replaces the null.
 */

/** What the rewrite returns: the statements, and whether the revision must run with foreign keys off. */
export interface SqliteRewrite {
  statements: string[];
  /** One line per reason the revision needs `disableForeignKeys: true`; empty when it does not. */
  foreignKeysOff: string[];
}

/** For each table, the tables whose foreign keys reference it (itself included, for a self-reference). */
export type ReferencedBy = ReadonlyMap<string, ReadonlySet<string>>;

const NAME = String.raw`(?:\`([^\`]+)\`|"([^"]+)"|([A-Za-z_][\w$]*))`;
const FOREIGN_KEYS_PRAGMA = /^pragma\s+(?:main\.)?foreign_keys\s*=\s*(?:on|off|0|1|true|false)$/i;
const DROP_TABLE = new RegExp(String.raw`^drop\s+table\s+(?:if\s+exists\s+)?${NAME}$`, 'i');
const RENAME_TEMP = new RegExp(String.raw`^alter\s+table\s+${NAME}\s+rename\s+to\s+${NAME}$`, 'i');
const CREATE_TABLE =
  /^(create\s+table\s+(?:if\s+not\s+exists\s+)?(?:`[^`]+`|"[^"]+"|[A-Za-z_][\w$]*)\s*)\(([\s\S]*)\)(\s*(?:\/\*[\s\S]*\*\/)?\s*)$/i;
export const TEMP_SUFFIX = '__temp_alter';

export function rewriteSqlite(statements: readonly string[], referencedBy: ReferencedBy): SqliteRewrite {
  const kept = fillDefaults(statements.filter((s) => !FOREIGN_KEYS_PRAGMA.test(s.trim())).map(fixCompositePrimaryKey));
  const rebuilt = rebuiltTables(kept);
  const ordered = orderDrops(kept, rebuilt, referencedBy);
  return { statements: ordered, foreignKeysOff: needsForeignKeysOff(ordered, rebuilt, referencedBy) };
}

/** Tables that the statements rebuild: MikroORM renames `t__temp_alter` to `t`. */
export function rebuiltTables(statements: readonly string[]): Set<string> {
  const tables = new Set<string>();
  for (const s of statements) {
    const rename = RENAME_TEMP.exec(s.trim());
    if (!rename) continue;
    const from = nameOf(rename, 1);
    const to = nameOf(rename, 4);
    if (from === `${to}${TEMP_SUFFIX}`) tables.add(to);
  }
  return tables;
}

/** The table a plain `drop table` statement drops (not a rebuild's own drop), else undefined. */
function droppedTable(statement: string, rebuilt: ReadonlySet<string>): string | undefined {
  const drop = DROP_TABLE.exec(statement.trim());
  if (!drop) return undefined;
  const table = nameOf(drop, 1);
  return rebuilt.has(table) ? undefined : table;
}

/**
 * Orders each run of consecutive plain `drop table` statements so that a table comes before
 * every table it references. Only within a run: moving a drop across another statement could
 * change what that statement sees.
 */
export function orderDrops(
  statements: readonly string[],
  rebuilt: ReadonlySet<string>,
  referencedBy: ReferencedBy,
): string[] {
  const out: string[] = [];
  let run: { table: string; sql: string }[] = [];
  const flush = () => {
    out.push(...childrenFirst(run, referencedBy).map((d) => d.sql));
    run = [];
  };
  for (const sql of statements) {
    const table = droppedTable(sql, rebuilt);
    if (table === undefined) {
      flush();
      out.push(sql);
    } else run.push({ table, sql });
  }
  flush();
  return out;
}

/**
 * Why the statements must run with foreign keys off: a rebuild of a table that any table
 * references (itself included: the new copy's own foreign key names the old table), or a drop of
 * a table that a table not dropped before it still references. Empty when neither happens.
 */
export function needsForeignKeysOff(
  statements: readonly string[],
  rebuilt: ReadonlySet<string>,
  referencedBy: ReferencedBy,
): string[] {
  const reasons: string[] = [];
  for (const table of rebuilt) {
    const by = [...(referencedBy.get(table) ?? [])];
    if (by.length > 0) reasons.push(`rebuilds "${table}", which ${list(by)} reference${by.length === 1 ? 's' : ''}`);
  }
  const dropped = new Set<string>();
  for (const sql of statements) {
    const table = droppedTable(sql, rebuilt);
    if (table === undefined) continue;
    const still = [...(referencedBy.get(table) ?? [])].filter((child) => child !== table && !dropped.has(child));
    if (still.length > 0)
      reasons.push(`drops "${table}" while ${list(still)} still reference${still.length === 1 ? 's' : ''} it`);
    dropped.add(table);
  }
  return reasons;
}

/**
 * `create table t (a ... primary key, b ... primary key, primary key (a, b))` → without the
 * column-level ones. Column definitions are split at top-level commas only (a CHECK or DEFAULT
 * can hold commas inside parentheses or quotes).
 */
export function fixCompositePrimaryKey(statement: string): string {
  const match = CREATE_TABLE.exec(statement.trim());
  if (!match) return statement;
  const parts = splitTopLevel(match[2]!);
  if (!parts.some((p) => /^\s*primary\s+key\s*\(/i.test(p))) return statement;
  let changed = false;
  const fixed = parts.map((part) => {
    if (
      !/^\s*(?:`|"|[A-Za-z_])/.test(part) ||
      /^\s*(?:primary\s+key|constraint|unique|check|foreign\s+key)\b/i.test(part)
    )
      return part;
    const without = removeOutsideQuotes(part, /\s+primary\s+key(?:\s+autoincrement)?\b/gi);
    if (without !== part) changed = true;
    return without;
  });
  return changed ? `${match[1]}(${fixed.join(',')})${match[3]}` : statement;
}

const INSERT_INTO_TEMP = /^insert\s+into\s+(`[^`]+`|"[^"]+")\s+select\s/i;

/** Rewrite 4: in a rebuild's copy, `null as c` becomes `<c's default> as c` where c has one. */
export function fillDefaults(statements: readonly string[]): string[] {
  const defaults = new Map<string, Map<string, string>>(); // temp table -> column -> default
  return statements.map((statement) => {
    const create = CREATE_TABLE.exec(statement.trim());
    if (create) {
      const table = /(`[^`]+`|"[^"]+"|[A-Za-z_][\w$]*)\s*$/.exec(create[1]!.trim())![1]!.replace(/^[`"]|[`"]$/g, '');
      if (table.endsWith(TEMP_SUFFIX)) defaults.set(table, columnDefaults(create[2]!));
      return statement;
    }
    const insert = INSERT_INTO_TEMP.exec(statement.trim());
    const columns = insert && defaults.get(insert[1]!.slice(1, -1));
    if (!columns || columns.size === 0) return statement;
    return statement.replace(/\bnull as (`[^`]+`|"[^"]+")/gi, (whole, quoted: string) => {
      const value = columns.get(quoted.slice(1, -1));
      return value === undefined ? whole : `${value} as ${quoted}`;
    });
  });
}

/** Each column definition's default expression, by column name. */
function columnDefaults(definitions: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of splitTopLevel(definitions)) {
    const name = /^\s*(`[^`]+`|"[^"]+")/.exec(part);
    if (!name) continue;
    const value = defaultOf(part);
    if (value !== undefined && !/^null$/i.test(value)) out.set(name[1]!.slice(1, -1), value);
  }
  return out;
}

/** The expression after DEFAULT in a column definition (outside quotes): a literal, a word, or a parenthesized expression. */
function defaultOf(definition: string): string | undefined {
  for (let i = 0; i < definition.length; i++) {
    const ch = definition[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      i = closingQuote(definition, i);
      continue;
    }
    const keyword = /^default\s+/i.exec(definition.slice(i));
    if (!keyword || (i > 0 && /\w/.test(definition[i - 1]!))) continue;
    const start = i + keyword[0].length;
    const first = definition[start];
    if (first === "'" || first === '"') return definition.slice(start, closingQuote(definition, start) + 1);
    if (first === '(') {
      let depth = 0;
      for (let j = start; j < definition.length; j++) {
        const c = definition[j]!;
        if (c === "'" || c === '"' || c === '`') j = closingQuote(definition, j);
        else if (c === '(') depth++;
        else if (c === ')' && --depth === 0) return definition.slice(start, j + 1);
      }
      return undefined;
    }
    return /^[^\s,]+/.exec(definition.slice(start))?.[0];
  }
  return undefined;
}

/** Applies `pattern` (global) to the parts of `text` outside quotes. */
function removeOutsideQuotes(text: string, pattern: RegExp): string {
  let out = '';
  let plain = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      out += plain.replace(pattern, '');
      plain = '';
      const end = closingQuote(text, i);
      out += text.slice(i, end + 1);
      i = end;
    } else plain += ch;
  }
  return out + plain.replace(pattern, '');
}

function nameOf(match: RegExpExecArray, first: number): string {
  return (match[first] ?? match[first + 1] ?? match[first + 2])!;
}

function list(tables: string[]): string {
  return tables.map((t) => `"${t}"`).join(', ');
}
