import { splitTopLevel } from '../sql-split.ts';

/**
 * The PostgreSQL DDL the lint reads, parsed just enough to apply its rules: a scanner of keywords
 * and names, not a SQL parser. What it does not recognise parses as `other` and is never a
 * finding, so an unusual statement can be missed but never misread as a dangerous one.
 */

/** A `-- upshift-lint-ignore <rule>: <reason>` comment found in a statement. */
export interface IgnoreDirective {
  rule: string;
  /** Empty when the comment gives none (then it silences nothing). */
  reason: string;
}

const DIRECTIVE = /upshift-lint-ignore[ \t]+([A-Za-z0-9_-]+)[ \t]*(?::[ \t]*([^\n]*))?/;

/**
 * The statement without comments, whitespace runs collapsed to one space (outside quotes), and
 * the ignore directives its `--` comments hold.
 */
export function stripComments(sql: string): { text: string; directives: IgnoreDirective[] } {
  const directives: IgnoreDirective[] = [];
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === c && sql[j + 1] !== c)) j += sql[j] === c ? 2 : 1;
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const comment = sql.slice(i + 2, end === -1 ? sql.length : end);
      const match = DIRECTIVE.exec(comment);
      if (match) directives.push({ rule: match[1]!, reason: (match[2] ?? '').trim() });
      out += ' ';
      i = end === -1 ? sql.length : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      out += ' ';
      i = end === -1 ? sql.length : end + 2;
    } else if (/\s/.test(c)) {
      if (!out.endsWith(' ')) out += ' ';
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return { text: out.trim().replace(/;$/, '').trim(), directives };
}

/** One name: `"Quoted"` (kept as written) or bare (folded to lower case, as PostgreSQL does). */
export const NAME = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`;
/** A possibly schema-qualified name. */
export const QNAME = String.raw`${NAME}(?:\s?\.\s?${NAME})?`;

/** A name as PostgreSQL resolves it, schema `public` left out: the key the lint compares. */
export function nameKey(written: string): string {
  const parts = [...written.matchAll(new RegExp(NAME, 'g'))].map(([p]) =>
    p.startsWith('"') ? p.slice(1, -1).replaceAll('""', '"') : p.toLowerCase(),
  );
  if (parts.length === 2 && parts[0] === 'public') parts.shift();
  return parts.join('.');
}

/** What an ALTER TABLE action does, as far as the rules care. */
export type Action =
  | { kind: 'add-column'; column: string; definition: string }
  | {
      kind: 'add-constraint';
      name: string | undefined;
      type: 'foreign key' | 'check' | 'unique' | 'primary key' | 'exclude';
      /** The constraint after its name: `foreign key (...) references ...`, without NOT VALID. */
      body: string;
      notValid: boolean;
      usingIndex: boolean;
    }
  | { kind: 'alter-type'; column: string; type: string; using: string | undefined }
  | { kind: 'set-not-null' | 'drop-not-null'; column: string }
  | { kind: 'drop-column'; column: string }
  | { kind: 'drop-constraint' | 'validate-constraint'; name: string }
  | { kind: 'rename-column'; column: string; to: string }
  | { kind: 'rename-table'; to: string }
  | { kind: 'other' };

export type Ddl =
  | { kind: 'create-table'; table: string; columns: Map<string, string> }
  | { kind: 'create-index'; table: string; name: string | undefined; concurrently: boolean; unique: boolean }
  | { kind: 'drop-index'; names: string[] }
  | { kind: 'alter-table'; table: string; written: string; actions: Action[] }
  | { kind: 'drop-table'; tables: string[] }
  | { kind: 'enum-add-value'; type: string }
  | { kind: 'other' };

const CREATE_TABLE = new RegExp(
  String.raw`^create (?:(?:global |local )?(?:temporary |temp |unlogged ))?table (?:if not exists )?(${QNAME}) ?(\(.*\))?`,
  'i',
);
const CREATE_INDEX = new RegExp(
  String.raw`^create (unique )?index (concurrently )?(?:if not exists )?(${QNAME} )?on (?:only )?(${QNAME})`,
  'i',
);
const DROP_INDEX = /^drop index (?:concurrently )?(?:if exists )?(.*?)(?: cascade| restrict)?$/i;
const ALTER_TABLE = new RegExp(String.raw`^alter table (?:if exists )?(?:only )?(${QNAME})(?: \*)? (.*)$`, 'i');
const DROP_TABLE = /^drop table (?:if exists )?(.*?)(?: cascade| restrict)?$/i;
const ENUM_ADD = new RegExp(String.raw`^alter type (${QNAME}) add value\b`, 'i');

/** One statement (comments already stripped) as the rules see it. */
export function parseDdl(text: string): Ddl {
  let m = CREATE_TABLE.exec(text);
  if (m) return { kind: 'create-table', table: nameKey(m[1]!), columns: columnsOf(m[2]) };
  m = CREATE_INDEX.exec(text);
  if (m)
    return {
      kind: 'create-index',
      unique: Boolean(m[1]),
      concurrently: Boolean(m[2]),
      name: m[3] ? nameKey(m[3].trim()) : undefined,
      table: nameKey(m[4]!),
    };
  m = DROP_INDEX.exec(text);
  if (m) return { kind: 'drop-index', names: splitTopLevel(m[1]!).map((n) => nameKey(n.trim())) };
  m = DROP_TABLE.exec(text);
  if (m) return { kind: 'drop-table', tables: splitTopLevel(m[1]!).map((n) => nameKey(n.trim())) };
  m = ENUM_ADD.exec(text);
  if (m) return { kind: 'enum-add-value', type: nameKey(m[1]!) };
  m = ALTER_TABLE.exec(text);
  if (m) {
    const rest = m[2]!;
    const rename = renameOf(rest);
    const actions = rename ? [rename] : splitTopLevel(rest).map((a) => actionOf(a.trim()));
    return { kind: 'alter-table', table: nameKey(m[1]!), written: m[1]!, actions };
  }
  return { kind: 'other' };
}

const RENAME_TABLE = /^rename to (.+)$/i;
const RENAME_COLUMN = new RegExp(String.raw`^rename (?:column )?(${NAME}) to (${NAME})$`, 'i');

function renameOf(rest: string): Action | undefined {
  if (/^rename constraint /i.test(rest)) return { kind: 'other' };
  let m = RENAME_TABLE.exec(rest);
  if (m) return { kind: 'rename-table', to: nameKey(m[1]!) };
  m = RENAME_COLUMN.exec(rest);
  if (m) return { kind: 'rename-column', column: nameKey(m[1]!), to: nameKey(m[2]!) };
  return undefined;
}

const CONSTRAINT_TYPES = String.raw`(foreign key|check|unique|primary key|exclude)`;
const ADD_CONSTRAINT = new RegExp(String.raw`^add (?:constraint (${NAME}) )?${CONSTRAINT_TYPES}\b ?(.*)$`, 'i');
const ADD_COLUMN = new RegExp(String.raw`^add (?:column )?(?:if not exists )?(${NAME}) (.+)$`, 'i');
const ALTER_TYPE = new RegExp(
  String.raw`^alter (?:column )?(${NAME}) (?:set data )?type (.+?)(?: collate ${QNAME})?(?: using (.+))?$`,
  'i',
);
const NOT_NULL = new RegExp(String.raw`^alter (?:column )?(${NAME}) (set|drop) not null$`, 'i');
const DROP_CONSTRAINT = new RegExp(String.raw`^drop constraint (?:if exists )?(${NAME})(?: cascade| restrict)?$`, 'i');
const VALIDATE = new RegExp(String.raw`^validate constraint (${NAME})$`, 'i');
const DROP_COLUMN = new RegExp(String.raw`^drop (?:column )?(?:if exists )?(${NAME})(?: cascade| restrict)?$`, 'i');

function actionOf(action: string): Action {
  let m = ADD_CONSTRAINT.exec(action);
  if (m) {
    const type = m[2]!.toLowerCase() as Extract<Action, { kind: 'add-constraint' }>['type'];
    const rest = m[3]!;
    const notValid = / not valid$/i.test(rest);
    return {
      kind: 'add-constraint',
      name: m[1] ? nameKey(m[1]) : undefined,
      type,
      body: `${m[2]} ${notValid ? rest.slice(0, -' not valid'.length) : rest}`.trim(),
      notValid,
      usingIndex: /^using index\b/i.test(rest),
    };
  }
  m = VALIDATE.exec(action);
  if (m) return { kind: 'validate-constraint', name: nameKey(m[1]!) };
  m = DROP_CONSTRAINT.exec(action);
  if (m) return { kind: 'drop-constraint', name: nameKey(m[1]!) };
  m = NOT_NULL.exec(action);
  if (m) return { kind: m[2]!.toLowerCase() === 'set' ? 'set-not-null' : 'drop-not-null', column: nameKey(m[1]!) };
  m = ALTER_TYPE.exec(action);
  if (m) return { kind: 'alter-type', column: nameKey(m[1]!), type: m[2]!, using: m[3] };
  if (/^drop (?:constraint|default|expression|identity|not null)\b/i.test(action)) return { kind: 'other' };
  m = DROP_COLUMN.exec(action);
  if (m) return { kind: 'drop-column', column: nameKey(m[1]!) };
  m = ADD_COLUMN.exec(action);
  if (m) return { kind: 'add-column', column: nameKey(m[1]!), definition: m[2]! };
  return { kind: 'other' };
}

const COLUMN_CONSTRAINT =
  /\s(?:not null|null|default|primary key|references|unique|check|constraint|generated|collate)\b/i;

/** The column types of a CREATE TABLE's column list (table constraints left out). */
function columnsOf(list: string | undefined): Map<string, string> {
  const columns = new Map<string, string>();
  if (!list) return columns;
  for (const part of splitTopLevel(list.slice(1, list.lastIndexOf(')')))) {
    const m = new RegExp(String.raw`^\s*(${NAME}) (.+)$`, 'i').exec(part);
    if (!m || /^(?:constraint|primary|unique|check|foreign|exclude|like)$/i.test(m[1]!)) continue;
    columns.set(nameKey(m[1]!), typeOf(m[2]!));
  }
  return columns;
}

/** The type part of a column definition (`varchar(255) not null default 'x'` → `varchar(255)`). */
export function typeOf(definition: string): string {
  const end = COLUMN_CONSTRAINT.exec(` ${definition}`);
  return (end ? ` ${definition}`.slice(0, end.index) : definition).trim();
}
