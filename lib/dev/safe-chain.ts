import type { LintFinding } from './lint/lint.ts';
import { type Action, type Ddl, parseDdl, stripComments } from './lint/sql.ts';
import type { Statement } from './schema-diff.ts';

/**
 * revision({ safe: true }), PostgreSQL: the generated statements rewritten as the lint's safe
 * recipes, spread over a chain of revisions, each with a down() that restores exactly the schema
 * before it (check()'s round trip):
 *
 * 1. `main` (in a transaction): every other statement; a foreign key or check added NOT VALID;
 *    for SET NOT NULL, a `CHECK (col IS NOT NULL) NOT VALID` in its place.
 * 2. `concurrent` (transaction: false): each index on an existing table built CONCURRENTLY IF NOT
 *    EXISTS; a unique constraint as a unique index built so, then ADD CONSTRAINT … USING INDEX.
 * 3. `validate`: VALIDATE CONSTRAINT for each of those (no lock that stops reads or writes). Its
 *    down() drops each and adds it back NOT VALID: validation itself cannot be undone.
 * 4. `not-null`: SET NOT NULL (PostgreSQL 12+ proves it from the validated check, no scan), then
 *    the check dropped.
 *
 * Only statements with a finding are rewritten, and only in the shapes MikroORM writes (one
 * action per ALTER TABLE, named constraints and indexes); the rest stay in `main` as they are,
 * with their finding. Steps with nothing to do are left out.
 */
export interface ChainStep {
  step: 'main' | 'concurrent' | 'validate' | 'not-null';
  transaction: boolean;
  up: Statement[];
  down: Statement[];
}

export function safeChain(
  up: readonly Statement[],
  down: readonly Statement[],
  findings: LintFinding[][],
): ChainStep[] {
  const main: Statement[] = [];
  const mainDownFirst: Statement[] = [];
  const concurrent: ChainStep = { step: 'concurrent', transaction: false, up: [], down: [] };
  const validate: ChainStep = { step: 'validate', transaction: true, up: [], down: [] };
  const notNull: ChainStep = { step: 'not-null', transaction: true, up: [], down: [] };
  /** Original down() statements that undo what moved to a later step: that step's down() does it. */
  const undone: ((ddl: Ddl) => boolean)[] = [];

  up.forEach((statement, i) => {
    const rules = new Set((findings[i] ?? []).map((f) => f.rule));
    const { text } = stripComments(statement.sql);
    const ddl = parseDdl(text);
    const single = ddl.kind === 'alter-table' && ddl.actions.length === 1 ? ddl.actions[0]! : undefined;
    const table = ddl.kind === 'alter-table' ? ddl.written : '';
    const sql = (s: string): Statement => ({ sql: s });

    if (rules.has('create-index-not-concurrently') && ddl.kind === 'create-index' && ddl.name) {
      const name = qualified(ddl.table, ddl.name);
      concurrent.up.push({
        ...statement,
        sql: text.replace(/^create (unique )?index /i, 'create $1index concurrently if not exists '),
      });
      concurrent.down.unshift(sql(`drop index concurrently if exists ${name}`));
      const key = ddl.name;
      undone.push((d) => d.kind === 'drop-index' && d.names.length === 1 && lastPart(d.names[0]!) === key);
      return;
    }
    const unique =
      single?.kind === 'add-constraint' && single.type === 'unique' ? /^unique ?\((.*)\)$/i.exec(single.body) : null;
    if (rules.has('add-unique-constraint') && single?.kind === 'add-constraint' && single.name && unique) {
      const n = `"${single.name}"`;
      concurrent.up.push({
        ...statement,
        sql: `create unique index concurrently if not exists ${n} on ${table} (${unique[1]})`,
      });
      concurrent.up.push(sql(`alter table ${table} add constraint ${n} unique using index ${n}`));
      concurrent.down.unshift(sql(`alter table ${table} drop constraint if exists ${n}`));
      undone.push(dropsConstraint(single.name));
      return;
    }
    if (rules.has('constraint-without-not-valid') && single?.kind === 'add-constraint' && single.name) {
      const n = `"${single.name}"`;
      main.push({ ...statement, sql: `${text} not valid` });
      validate.up.push(sql(`alter table ${table} validate constraint ${n}`));
      validate.down.unshift(sql(`alter table ${table} drop constraint ${n}`), sql(`${text} not valid`));
      return;
    }
    if (rules.has('set-not-null-without-check') && single?.kind === 'set-not-null') {
      const column = `"${single.column}"`;
      const check = `"${checkName(ddl.kind === 'alter-table' ? ddl.table : '', single.column)}"`;
      const addCheck = `alter table ${table} add constraint ${check} check (${column} is not null) not valid`;
      main.push({ ...statement, sql: addCheck });
      mainDownFirst.push(sql(`alter table ${table} drop constraint if exists ${check}`));
      validate.up.push(sql(`alter table ${table} validate constraint ${check}`));
      validate.down.unshift(sql(`alter table ${table} drop constraint ${check}`), sql(addCheck));
      notNull.up.push(sql(`alter table ${table} alter column ${column} set not null`));
      notNull.up.push(sql(`alter table ${table} drop constraint ${check}`));
      notNull.down.unshift(
        sql(addCheck),
        sql(`alter table ${table} validate constraint ${check}`),
        sql(`alter table ${table} alter column ${column} drop not null`),
      );
      undone.push((d) => onlyAction(d, (a) => a.kind === 'drop-not-null' && a.column === single.column));
      return;
    }
    main.push(statement);
  });

  const mainDown = [
    ...mainDownFirst,
    ...down.filter((s) => {
      const ddl = parseDdl(stripComments(s.sql).text);
      return !undone.some((matches) => matches(ddl));
    }),
  ];
  const steps: ChainStep[] = [
    { step: 'main', transaction: true, up: main, down: mainDown },
    concurrent,
    validate,
    notNull,
  ];
  return steps.filter((s) => s.up.length > 0);
}

function onlyAction(ddl: Ddl, test: (action: Action) => boolean): boolean {
  return ddl.kind === 'alter-table' && ddl.actions.length === 1 && test(ddl.actions[0]!);
}

function dropsConstraint(name: string): (ddl: Ddl) => boolean {
  return (ddl) => onlyAction(ddl, (a) => a.kind === 'drop-constraint' && a.name === name);
}

function lastPart(key: string): string {
  return key.slice(key.lastIndexOf('.') + 1);
}

/** An index lives in its table's schema: `"archive"."note_idx"` for a table of schema archive. */
function qualified(table: string, name: string): string {
  const schema = table.includes('.') ? table.slice(0, table.lastIndexOf('.')) : undefined;
  return [...(schema ? [schema] : []), lastPart(name)].map((p) => `"${p}"`).join('.');
}

/** `<table>_<column>_not_null`, within PostgreSQL's 63 bytes. */
function checkName(table: string, column: string): string {
  const name = `${lastPart(table)}_${column}_not_null`;
  return Buffer.byteLength(name) <= 63 ? name : `${name.slice(0, 40)}_${hash(name)}_not_null`;
}

function hash(text: string): string {
  let h = 0;
  for (const c of text) h = (h * 31 + c.codePointAt(0)!) >>> 0;
  return h.toString(16).padStart(8, '0');
}
