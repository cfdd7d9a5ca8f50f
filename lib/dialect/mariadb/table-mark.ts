import { type MysqlRun, schemaFingerprint } from './progress.ts';

/** A table name as a revision writes it: backquoted (`` doubled inside), or plain. Never qualified. */
const NAME = '(`(?:[^`]|``)+`|[A-Za-z0-9_$]+)';
const CREATE = new RegExp(
  `^\\s*create\\s+table\\s+(?:if\\s+not\\s+exists\\s+)?${NAME}(?=\\s*\\(|\\s+(?:like|as|select)\\b)`,
  'i',
);
const DROP = new RegExp(`^\\s*drop\\s+table\\s+(?:if\\s+exists\\s+)?${NAME}\\s*;?\\s*$`, 'i');
/** The progress table's schema_before holds a mark of up to 64 characters; the first says which kind. */
const MARK_CHARS = 64;

function unquote(name: string): string {
  return name.startsWith('`') ? name.slice(1, -1).replaceAll('``', '`') : name;
}

/**
 * The current database's tables (and views) named `name` in any letter case: whether the server
 * compares names with case or without (lower_case_table_names), no variant is missed.
 */
async function tablesNamed(run: MysqlRun, name: string): Promise<string[]> {
  const { rows } = await run(
    'select `table_name` as `name` from information_schema.tables where table_schema = database() and lower(`table_name`) = lower(?)',
    [name],
  );
  return rows.map((r) => String(r.name));
}

/**
 * The progress mark of a DDL statement that creates or drops one table of the current database,
 * when that statement's effect is exactly to make the table appear ('+name') or disappear
 * ('-name'): the table is absent (in any letter case) before a CREATE TABLE, present under
 * exactly that name before a DROP TABLE. Then whether the statement took effect is whether the
 * table is there now (DDL is atomic on MariaDB 10.6+), which one lookup of one name in
 * information_schema tells, instead of the whole schema's fingerprint. Undefined for any other
 * statement, or when the table is not in that state: the caller takes the fingerprint.
 */
export async function tableMark(sql: string, run: MysqlRun): Promise<string | undefined> {
  // Several statements in one text (where the driver allows it) may do more than this one table.
  if (/;\s*\S/.test(sql)) return undefined;
  const create = CREATE.exec(sql);
  const match = create ?? DROP.exec(sql);
  if (!match) return undefined;
  const name = unquote(match[1]!);
  if (name.length + 1 > MARK_CHARS) return undefined;
  const found = await tablesNamed(run, name);
  if (create) return found.length === 0 ? `+${name}` : undefined;
  return found.length === 1 && found[0] === name ? `-${name}` : undefined;
}

/** Whether `mark` is a table mark (a fingerprint is hexadecimal: it never starts with + or -). */
function isTableMark(mark: string): boolean {
  return mark.startsWith('+') || mark.startsWith('-');
}

/**
 * What a progress mark is compared with to tell whether the statement it was taken before took
 * effect: for a table mark, the mark itself while the table is as it was before the statement
 * (so: unchanged, it did not), something else once it is not; for a fingerprint, the fingerprint now.
 */
export async function markNow(mark: string, run: MysqlRun): Promise<string> {
  if (!isTableMark(mark)) return schemaFingerprint(run);
  const presentBefore = mark.startsWith('-');
  const presentNow = (await tablesNamed(run, mark.slice(1))).length > 0;
  return presentNow === presentBefore ? mark : `${mark} (${presentNow ? 'created' : 'dropped'})`;
}
