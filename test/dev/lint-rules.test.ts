// Issue 25 item 2: each lint rule, positive and negative, on SQL strings (no database needed:
// the lint reads the statements a revision sends). Existing table = not created in the revision.
import t from 'tap';
import { defineRevision } from 'upshift';
import { lintRevisions, lintSql, lintStatements } from '../../lib/dev/lint/lint.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';
import { sourceIgnores } from '../../lib/dev/lint/source-ignores.ts';
import { LintState } from '../../lib/dev/lint/state.ts';

const rules = (sql: string[], transaction = true, state?: LintState) =>
  lintSql(sql, { transaction, ...(state ? { state } : {}) }).map((f) => f.rule);
const NOTE = 'create table "note" ("id" serial primary key, "body" varchar(255) null, "price" numeric(10,2) null)';
/** A state in which "note" exists: an earlier revision created it. */
const existing = () => {
  const state = new LintState();
  lintStatements([NOTE], { state });
  return state;
};

t.test('create-index-not-concurrently', async (t) => {
  t.same(rules(['create index "note_body_index" on "note" ("body")'], true, existing()), [
    'create-index-not-concurrently',
  ]);
  t.same(rules(['create unique index "i" on public.note (body)'], true, existing()), ['create-index-not-concurrently']);
  t.same(rules(['create index concurrently if not exists "i" on "note" ("body")'], false, existing()), []);
  t.same(rules([NOTE, 'create index "i" on "note" ("body")']), [], 'a table created in the same revision is new');
  const [finding] = lintSql(['create index "i" on "note" ("body")'], { state: existing() });
  t.match(finding!.message, /CREATE INDEX CONCURRENTLY IF NOT EXISTS in a revision of its own with transaction: false/);
});

t.test('add-column-not-null-without-default', async (t) => {
  t.same(rules(['alter table "note" add "must" varchar(255) not null'], true, existing()), [
    'add-column-not-null-without-default',
  ]);
  t.same(rules(['alter table "note" add column "flag" boolean not null default false'], true, existing()), []);
  t.same(rules(['alter table "note" add "maybe" varchar(255) null'], true, existing()), []);
  t.same(rules(['alter table "note" add "n" bigserial not null'], true, existing()), []);
  t.same(rules([NOTE, 'alter table "note" add "must" text not null']), []);
});

t.test('set-not-null-without-check', async (t) => {
  const set = 'alter table "note" alter column "body" set not null';
  t.same(rules([set], true, existing()), ['set-not-null-without-check']);
  const add = 'alter table "note" add constraint "note_body_nn" check ("body" is not null) not valid';
  t.same(rules([add, set], true, existing()), ['set-not-null-without-check'], 'a NOT VALID check proves nothing');
  t.same(rules([add, 'alter table "note" validate constraint "note_body_nn"', set], true, existing()), []);
  const state = existing();
  lintStatements([add], { state });
  lintStatements(['alter table "note" validate constraint "note_body_nn"'], { state });
  t.same(rules([set], true, state), [], 'validated in an earlier revision of the bundle');
  lintStatements(['alter table "note" drop constraint "note_body_nn"'], { state });
  t.same(rules([set], true, state), ['set-not-null-without-check'], 'a dropped check proves nothing');
  t.same(rules([NOTE, set]), []);
});

t.test('column-type-rewrite', async (t) => {
  const type = (to: string, using = '') => [`alter table "note" alter column "body" type ${to}${using}`];
  t.same(rules(type('varchar(500)', ' using ("body"::varchar(500))'), true, existing()), [], 'widening varchar');
  t.same(rules(type('text'), true, existing()), [], 'varchar to text');
  t.same(rules(type('varchar(100)'), true, existing()), ['column-type-rewrite'], 'narrowing varchar');
  t.same(rules(type('int', ' using ("body"::int)'), true, existing()), ['column-type-rewrite']);
  t.same(
    rules(type('varchar(500)', ' using (upper("body"))'), true, existing()),
    ['column-type-rewrite'],
    'a USING that changes values',
  );
  t.same(rules(['alter table "note" alter column "price" type numeric(12,2)'], true, existing()), []);
  t.same(rules(['alter table "note" alter column "price" type numeric(12,3)'], true, existing()), [
    'column-type-rewrite',
  ]);
  t.same(
    rules(['alter table "other" alter column "x" type text']),
    ['column-type-rewrite'],
    'unknown old type: reported',
  );
  t.same(rules([NOTE, ...type('int')]), []);
});

t.test('constraint-without-not-valid', async (t) => {
  const fk =
    'alter table "note" add constraint "note_a_foreign" foreign key ("a") references "author" ("id") on delete set null';
  t.same(rules([fk], true, existing()), ['constraint-without-not-valid']);
  t.same(rules([`${fk} not valid`], true, existing()), []);
  t.same(rules(['alter table "note" add constraint "c" check (price > 0)'], true, existing()), [
    'constraint-without-not-valid',
  ]);
  t.same(rules(['alter table "note" add constraint "c" check (price > 0) NOT VALID'], true, existing()), []);
  t.same(rules([NOTE, fk]), []);
});

t.test('add-unique-constraint', async (t) => {
  t.same(rules(['alter table "note" add constraint "note_body_unique" unique ("body")'], true, existing()), [
    'add-unique-constraint',
  ]);
  t.same(rules(['alter table "note" add unique (body)'], true, existing()), ['add-unique-constraint']);
  t.same(rules(['alter table "note" add constraint "u" unique using index "u"'], true, existing()), []);
  t.same(rules([NOTE, 'alter table "note" add constraint "u" unique ("body")']), []);
});

t.test('rename-or-drop-in-use', async (t) => {
  for (const sql of [
    'alter table "note" drop column "body"',
    'alter table "note" drop "body"',
    'alter table "note" rename column "body" to "text"',
    'alter table "note" rename to "notes"',
    'drop table if exists "note" cascade',
  ])
    t.same(rules([sql], true, existing()), ['rename-or-drop-in-use'], sql);
  for (const sql of [
    'alter table "note" drop constraint "x"',
    'alter table "note" alter column "body" drop not null',
    'alter table "note" alter column "body" drop default',
    'alter table "note" rename constraint "a" to "b"',
  ])
    t.same(rules([sql], true, existing()), [], sql);
  t.same(rules([NOTE, 'drop table "note"']), [], 'a table created in the same revision');
});

t.test('enum-add-value-in-transaction', async (t) => {
  t.same(rules(['alter type "mood" add value \'happy\''], true), ['enum-add-value-in-transaction']);
  t.same(rules(['alter type "mood" add value if not exists \'happy\''], false), []);
  t.same(rules(["alter type \"mood\" rename value 'a' to 'b'"], true), []);
});

t.test('silencing: -- comment in the SQL, with a reason; without one it silences nothing', async (t) => {
  const drop = 'alter table "note" drop column "body"';
  t.same(
    rules([`-- upshift-lint-ignore rename-or-drop-in-use: unused since release 41\n${drop}`], true, existing()),
    [],
  );
  t.same(rules([`${drop} -- upshift-lint-ignore rename-or-drop-in-use: gone since 41`], true, existing()), []);
  t.same(
    rules([`-- upshift-lint-ignore rename-or-drop-in-use\n${drop}`], true, existing()),
    ['invalid-lint-ignore', 'rename-or-drop-in-use'],
    'no reason',
  );
  t.same(rules([`-- upshift-lint-ignore rename-or-drop-in-use:   \n${drop}`], true, existing()), [
    'invalid-lint-ignore',
    'rename-or-drop-in-use',
  ]);
  t.same(rules([`-- upshift-lint-ignore no-such-rule: x\n${drop}`], true, existing()), [
    'invalid-lint-ignore',
    'rename-or-drop-in-use',
  ]);
  t.same(
    rules([`-- upshift-lint-ignore create-index-not-concurrently: wrong rule\n${drop}`], true, existing()),
    ['rename-or-drop-in-use'],
    'silences only the rule it names',
  );
});

t.test('silencing: // comment on the line above the sql() call', async (t) => {
  const up = async ({ sql }: { sql: (s: string) => Promise<unknown> }) => {
    // upshift-lint-ignore rename-or-drop-in-use: the column is unused since release 41
    await sql('alter table "note" drop column "body"');
    await sql('alter table "note" drop column "price"');
    const column = 'id';
    // upshift-lint-ignore rename-or-drop-in-use
    await sql(`alter table "note" rename column "${column}" to "key"`);
  };
  const ignores = sourceIgnores(String(up));
  t.equal(ignores.length, 2);
  const findings = lintSql(
    [
      'alter table "note" drop column "body"',
      'alter table "note" drop column "price"',
      'alter table "note" rename column "id" to "key"',
    ],
    { state: existing(), sourceIgnores: ignores },
  );
  t.same(
    findings.map((f) => [f.rule, f.statement]),
    [
      ['rename-or-drop-in-use', 'alter table "note" drop column "price"'],
      ['invalid-lint-ignore', 'alter table "note" rename column "id" to "key"'],
      ['rename-or-drop-in-use', 'alter table "note" rename column "id" to "key"'],
    ],
    'the next call only; a template literal matches its values; no reason silences nothing',
  );
});

t.test('lintRevisions: a revision that reads rows is linted up to its first read, and says so', async (t) => {
  const log = memoryLogger();
  const reads = defineRevision({
    id: 'reads_0001',
    parents: [],
    message: 'drop then read',
    async up({ sql }) {
      await sql('alter table "note" drop column "body"');
      const rows = await sql<{ n: number }>('select count(*) as n from note');
      if (rows.length > 0) await sql('alter table "note" drop column "price"');
    },
  });
  const { findings } = await lintRevisions([reads], log.logger);
  t.same(
    findings.map((f) => [f.revision, f.rule, f.statement]),
    [['reads_0001', 'rename-or-drop-in-use', 'alter table "note" drop column "body"']],
  );
  t.ok(log.lines.some((l) => /reads_0001 up\(\) needs a database past its first 2 statement/.test(String(l.msg))));
});
