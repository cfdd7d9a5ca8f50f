/**
 * Splits the SQL that MikroORM's schema generator returns into single statements, because
 * `ctx.sql()` runs exactly one statement (better-sqlite3 prepares one at a time). A `;` ends a
 * statement only outside string literals, quoted identifiers, comments and PostgreSQL
 * dollar-quoted bodies.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  const n = sql.length;
  const skipQuoted = (quote: string) => {
    i++;
    while (i < n) {
      if (sql[i] === quote) {
        if (sql[i + 1] === quote) i += 2; // doubled quote escapes itself
        else break;
      } else i++;
    }
    i++;
  };
  while (i < n) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      skipQuoted(ch);
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
    } else if (ch === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64))?.[0];
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length);
        i = end === -1 ? n : end + tag.length;
      } else i++;
    } else if (ch === ';') {
      push(statements, sql.slice(start, i));
      i++;
      start = i;
    } else i++;
  }
  push(statements, sql.slice(start));
  return statements;
}

function push(statements: string[], text: string): void {
  const statement = text.trim();
  if (statement && !/^(--[^\n]*\n?\s*)+$/.test(statement)) statements.push(statement);
}

const QUOTED = String.raw`(\`[^\`]+\`|"[^"]+")`;
const COPY_INTO = new RegExp(String.raw`^insert into ${QUOTED} select ([\s\S]+) from ${QUOTED}$`, 'i');
const RENAME = new RegExp(String.raw`^alter table ${QUOTED} rename to ${QUOTED}$`, 'i');

/**
 * MikroORM changes a SQLite column by rebuilding the table between `pragma foreign_keys = off`
 * and `= on`. Those pragmas do nothing inside a transaction, and upshift runs every revision in
 * one; with foreign keys on, `drop table` of a referenced table then fails (or, deferred, leaves
 * violations that fail the commit). The rebuild is rewritten so that it is correct *with*
 * foreign keys enforced:
 *
 *   pragma defer_foreign_keys = on                       -- checks happen at commit
 *   create table t__temp_alter (...)                     -- the new shape, empty
 *   create temp table t__upshift_copy as select ... from t   -- the rows, aside
 *   drop table t                                          -- children now dangle (counted)
 *   alter table t__temp_alter rename to t
 *   insert into t select * from temp.t__upshift_copy      -- children resolve again (uncounted)
 *   drop table temp.t__upshift_copy
 *
 * At commit SQLite checks that no reference dangles: a rebuild that lost a referenced row fails
 * and rolls back instead of committing a broken database.
 */
const DEFER = 'pragma defer_foreign_keys = on';

export function rewriteSqliteRebuilds(statements: readonly string[]): string[] {
  const out: string[] = [];
  let pendingCopy: { table: string; copy: string } | undefined;
  for (const statement of statements) {
    if (/^pragma foreign_keys\s*=\s*off$/i.test(statement)) continue;
    if (/^pragma foreign_keys\s*=\s*on$/i.test(statement)) continue;
    const copy = COPY_INTO.exec(statement);
    if (copy && /__temp_alter[`"]$/.test(copy[1]!)) {
      const table = unquote(copy[3]!);
      const copyName = `\`${table}__upshift_copy\``;
      pendingCopy = { table, copy: copyName };
      out.push(`create temp table ${copyName} as select ${copy[2]} from ${copy[3]}`);
      continue;
    }
    out.push(statement);
    const rename = RENAME.exec(statement);
    if (rename && pendingCopy && unquote(rename[2]!) === pendingCopy.table) {
      out.push(`insert into \`${pendingCopy.table}\` select * from temp.${pendingCopy.copy}`);
      out.push(`drop table temp.${pendingCopy.copy}`);
      pendingCopy = undefined;
    }
  }
  // Once, first: it lasts until the transaction ends. A plain `drop table` needs it too, so that
  // dropping a referenced table before the table that references it (MikroORM's order) works.
  return out.some((s) => /^drop table/i.test(s)) ? [DEFER, ...out] : out;
}

function unquote(quoted: string): string {
  return quoted.slice(1, -1);
}
