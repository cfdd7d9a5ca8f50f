import { randomBytes } from 'node:crypto';
import { TemplateError } from './errors.ts';
import type { Statement } from './schema-diff.ts';

/** Where init() copies from and where revision() finds the default revision template. */
export const TEMPLATE_DIR = new URL('../../revisions-template/', import.meta.url);
export const TEMPLATE_FILE = 'revision.ts.template';

/** A new revision id: 12 random hex characters (48 bits), like Alembic's. */
export function newRevisionId(): string {
  return randomBytes(6).toString('hex');
}

/**
 * A JavaScript string literal whose value is exactly `text`, whatever it holds: quotes,
 * backslashes, backticks, `${}`, line terminators (including U+2028/U+2029), control characters
 * and lone surrogates are escaped; every other character, unicode included, is kept as is so the
 * file stays readable. Picks the quote that needs fewer escapes.
 */
export function jsString(text: string): string {
  const quote = count(text, "'") <= count(text, '"') ? "'" : '"';
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (
      code < 0x20 ||
      (code >= 0x7f && code <= 0x9f) ||
      code === 0x2028 ||
      code === 0x2029 ||
      code === 0xfeff ||
      (code >= 0xd800 && code <= 0xdfff)
    ) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/**
 * Text for inside a block comment: one comment line per line of text, `*\/` broken up, control
 * characters and unusual line terminators shown as spaces. Only for humans; the message
 * itself lives in the string literal.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this replaces
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufeff\ud800-\udfff]/gu;

export function commentText(text: string, indent = ' * '): string {
  const lines = text.split(/\r\n|[\n\r\u2028\u2029\u0085]/);
  return lines.map((line) => line.replaceAll('*/', '* /').replace(UNPRINTABLE, ' ').trimEnd()).join(`\n${indent}`);
}

/**
 * A file name part from a message: lower-case ASCII letters, digits and `_`, at most 40
 * characters, never empty. Safe on every filesystem (no reserved characters, no trailing dot or
 * space, no case clashes); the id in front keeps it unique and never a reserved device name.
 */
export function slugOf(message: string): string {
  const slug = message
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40)
    .replace(/_+$/, '');
  return slug || 'revision';
}

export interface RenderInput {
  id: string;
  parents: readonly string[];
  message: string;
  createdAt: string;
  up: readonly Statement[];
  down: readonly Statement[];
  /** Why the revision must run with foreign keys off (SQLite); empty or missing: it need not. */
  foreignKeysOff?: readonly string[] | undefined;
  /** Why the revision has no down(): the template's down() is left out, and this said instead. */
  irreversible?: string | undefined;
  /** Lines for the top of up(), for the reviewer. */
  notes?: readonly string[] | undefined;
  /** false: written `transaction: false` (CREATE INDEX CONCURRENTLY refuses to run in a transaction). */
  transaction?: boolean | undefined;
}

/**
 * Fills the revision template. One pass over the template: inserted text is never re-scanned.
 * `template` is the text of `where` (named in a TemplateError when it lacks what is needed).
 */
export function renderRevision(template: string, input: RenderInput, where = TEMPLATE_FILE): string {
  const values: Record<string, string> = {
    id: input.id,
    idLiteral: jsString(input.id),
    parents: input.parents.join(', '),
    parentsComment: input.parents.length ? input.parents.join(', ') : '(none: this is a base revision)',
    parentsLiteral: `[${input.parents.map(jsString).join(', ')}]`,
    message: commentText(input.message),
    messageComment: commentText(input.message) || '(no message)',
    messageLiteral: jsString(input.message),
    createdAt: input.createdAt,
    createdAtLiteral: jsString(input.createdAt),
    up: renderBody(input.up, input.notes ?? []),
    down: renderBody(input.down, []),
  };
  let text = template;
  if (input.irreversible) text = withoutDown(text, input.irreversible, where);
  if (input.foreignKeysOff?.length) text = withForeignKeysOff(text, input.foreignKeysOff, where);
  if (input.transaction === false) text = withoutTransaction(text, where);
  // A method with nothing to send takes no parameter: `{ sql }` unused would fail an app's
  // noUnusedParameters (the empty and merge revisions).
  if (input.up.length === 0) text = withoutSqlParameter(text, 'up');
  if (input.down.length === 0) text = withoutSqlParameter(text, 'down');
  return text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

const DOWN_METHOD =
  /^([ \t]*)(?:async[ \t]+)?down[ \t]*\([^)]*\)[ \t]*\{[ \t]*\r?\n[ \t]*\{\{down\}\}[ \t]*\r?\n[ \t]*\},?[ \t]*\r?\n/m;

/** The template without its down() method, a comment saying why in its place. */
function withoutDown(template: string, reason: string, where: string): string {
  const match = DOWN_METHOD.exec(template);
  if (!match) {
    throw new TemplateError(
      where,
      'the revision has no down(), but the template\'s down() method is not one upshift can leave out: keep it as "async down({ sql }) {", a line holding only {{down}}, and "},".',
    );
  }
  const indent = match[1]!;
  const comment =
    `${indent}// No down(): ${commentText(reason, `${indent}// `)}.\n` +
    `${indent}// downgrade() through this revision throws IrreversibleRevisionError. Write a down() by hand if the change can be undone.\n`;
  return template.slice(0, match.index) + comment + template.slice(match.index + match[0].length);
}

/** The template with `up({ sql })` (or down) written `up()`; a template written otherwise is left as it is. */
function withoutSqlParameter(template: string, method: 'up' | 'down'): string {
  return template.replace(
    new RegExp(`^([ \\t]*(?:async[ \\t]+)?${method}[ \\t]*)\\(\\{[ \\t]*sql[ \\t]*\\}\\)`, 'm'),
    '$1()',
  );
}

const TRANSACTION_LINE = /^([ \t]*)transaction:[^\n]*\n/m;
const UP_METHOD = /^([ \t]*)(?:async[ \t]+)?up[ \t]*\(/m;

/** The template with `disableForeignKeys: true` after its `transaction` line (or before up()), with why. */
function withForeignKeysOff(template: string, reasons: readonly string[], where: string): string {
  const line = (indent: string) =>
    `${indent}disableForeignKeys: true, // SQLite: ${commentText(reasons.join('; '), ' ')}: with foreign keys on, the DROP would fire ON DELETE actions on the rows that reference it (they are checked before COMMIT instead)\n`;
  return besideTransactionLine(template, line, 'after', where, 'disableForeignKeys: true');
}

/** The template with its `transaction:` line saying false (or one added before up()). */
function withoutTransaction(template: string, where: string): string {
  const line = (indent: string) =>
    `${indent}transaction: false, // CREATE INDEX CONCURRENTLY cannot run inside a transaction block; each statement commits on its own\n`;
  return besideTransactionLine(template, line, 'instead', where, 'transaction: false');
}

/**
 * `line` (given the indentation) placed after the template's `transaction:` line, or instead of
 * it; without such a line, before up(). TemplateError when the template has neither.
 */
function besideTransactionLine(
  template: string,
  line: (indent: string) => string,
  placement: 'after' | 'instead',
  where: string,
  what: string,
): string {
  const transaction = TRANSACTION_LINE.exec(template);
  if (transaction) {
    const end = transaction.index + transaction[0].length;
    const at = placement === 'after' ? end : transaction.index;
    return template.slice(0, at) + line(transaction[1]!) + template.slice(end);
  }
  const up = UP_METHOD.exec(template);
  if (!up)
    throw new TemplateError(
      where,
      `the revision must declare ${what}, but the template has neither a "transaction:" line nor an up() method to put it next to.`,
    );
  return template.slice(0, up.index) + line(up[1]!) + template.slice(up.index);
}

function renderBody(statements: readonly Statement[], notes: readonly string[]): string {
  const lines: string[] = notes.map((note) => `    // NOTE: ${commentText(note, '    // ')}`);
  if (statements.length === 0) return [...lines, '    // Nothing to do.'].join('\n');
  for (const statement of statements) {
    if (statement.dataLoss) lines.push(`    // DATA LOSS: ${commentText(statement.dataLoss, '    // ')}`);
    for (const warning of statement.warnings ?? []) lines.push(`    // WARNING: ${commentText(warning, '    // ')}`);
    for (const f of statement.lint ?? [])
      lines.push(`    // UNSAFE DDL [${f.rule}]: ${commentText(f.message, '    // ')}`);
    lines.push(`    await sql(${jsString(statement.sql)});`);
  }
  return lines.join('\n');
}

function count(text: string, ch: string): number {
  let n = 0;
  for (const c of text) if (c === ch) n++;
  return n;
}
