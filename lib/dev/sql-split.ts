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
        if (sql[i + 1] === quote)
          i += 2; // doubled quote escapes itself
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

/** Splits a list (a column list, ALTER TABLE actions) at the commas outside parentheses and quotes. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      const end = closingQuote(text, i);
      i = end;
    } else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** The index of the quote that closes the one at `open` (a doubled quote escapes itself). */
export function closingQuote(text: string, open: number): number {
  const quote = text[open]!;
  let i = open + 1;
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) i += 2;
      else return i;
    } else i++;
  }
  return text.length;
}
