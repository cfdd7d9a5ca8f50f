// Issue 25 items 2 and 3 on a real PostgreSQL: revision() marks, logs and returns the lint's
// findings; check() throws, warns or stays silent as `lint` says; a `-- ` or `//` ignore comment
// with a reason silences a hand-written statement; revision({ safe: true }) writes a chain that
// applies to a table holding rows, passes check()'s round trip and has no finding.
import { readFileSync, writeFileSync } from 'node:fs';
import { defineEntity, p } from '@mikro-orm/core';
import { pathToFileURL } from 'node:url';
import { defineRevision, Migrator, type Revision } from 'upshift';
import { check, init, revision, UnsafeDdlError } from 'upshift/dev';
import { quotedFor } from '../helpers/schema.ts';
import { eachDatabase, onPostgres } from '../helpers/each-dialect.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';
import { loadEntries, loadRevisions, silent } from './load.ts';
import { workspace } from './workspace.ts';
import { createThing } from './create-thing.ts';

const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string() } });
const model = (v: 1 | 2) => [
  Author,
  defineEntity({
    name: 'Note',
    properties: {
      id: p.integer().primary(),
      body: v === 1 ? p.string().nullable() : p.string().index(),
      email: v === 1 ? p.string().nullable() : p.string().nullable().unique(),
      ...(v === 2 ? { author: () => p.manyToOne(Author).nullable() } : {}),
    },
  }),
];
const ROWS = 500;

/** A bundle whose first revision created note and author, applied, with ROWS notes. */
async function busyNote(
  t: Parameters<Parameters<typeof onPostgres>[1]>[0],
  db: Parameters<Parameters<typeof onPostgres>[1]>[1],
) {
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  const orm1 = await db.orm(model(1));
  t.teardown(() => orm1.close(true));
  const first = await revision({ orm: orm1, dir: ws.dir, message: 'note', logger: silent });
  t.same(first!.lint, [], 'creating tables: nothing to report');
  await new Migrator({ orm: orm1, revisions: await loadRevisions(ws.dir), logger: silent }).upgrade();
  await db.query(
    `insert into note (id, body, email) select i, 'body ' || i, 'n' || i || '@example.com' from generate_series(1, ${ROWS}) i`,
  );
  await db.query("select setval('note_id_seq', $1)", [ROWS]);
  const orm = await db.orm(model(2));
  t.teardown(() => orm.close(true));
  return { ws, orm };
}

onPostgres('revision() marks, logs and returns unsafe DDL; check() lint: error | warn | false', async (t, db) => {
  const { ws, orm } = await busyNote(t, db);
  const log = memoryLogger();
  const generated = await revision({ orm, dir: ws.dir, message: 'index body', logger: log.logger });
  t.same(generated!.chain, []);
  const rules = generated!.lint.map((f) => f.rule).sort();
  t.same(rules, [
    'add-unique-constraint',
    'constraint-without-not-valid',
    'create-index-not-concurrently',
    'set-not-null-without-check',
  ]);
  const index = generated!.lint.find((f) => f.rule === 'create-index-not-concurrently')!;
  t.equal(index.revision, generated!.id);
  t.equal(index.statement, 'create index "note_body_index" on "note" ("body")');
  const source = readFileSync(generated!.path, 'utf8');
  t.match(
    source,
    /\/\/ UNSAFE DDL \[create-index-not-concurrently\]: CREATE INDEX on existing table "note" blocks every write[^\n]*\n(?:\s*\/\/[^\n]*\n)*\s*await sql\('create index "note_body_index"/,
    'the comment sits above the statement',
  );
  t.ok(
    log.lines.some((l) => l.level === 40 && /UNSAFE DDL \[create-index-not-concurrently\]/.test(String(l.msg))),
    'and a warning in the log',
  );

  const revisions = await loadEntries(ws.dir);
  const error = await check({ orm, revisions, lint: 'error', logger: silent }).catch((e: unknown) => e);
  t.type(error, UnsafeDdlError);
  t.equal((error as UnsafeDdlError).code, 'UPSHIFT_UNSAFE_DDL');
  t.equal((error as UnsafeDdlError).findings.length, 4);
  t.match(
    (error as Error).message,
    `revision ${generated!.id} [create-index-not-concurrently]: create index "note_body_index"`,
  );
  t.match((error as Error).message, /CREATE INDEX CONCURRENTLY IF NOT EXISTS/, 'with the recipe');

  const warnLog = memoryLogger();
  const warned = await check({ orm, revisions, logger: warnLog.logger }); // default: 'warn'
  t.same(warned.lint.map((f) => f.rule).sort(), rules, 'warn: passes and returns the findings');
  t.equal(warnLog.lines.filter((l) => l.level === 40 && /UNSAFE DDL/.test(String(l.msg))).length, 4);

  const offLog = memoryLogger();
  const off = await check({ orm, revisions, lint: false, logger: offLog.logger });
  t.same(off.lint, []);
  t.equal(offLog.lines.filter((l) => /UNSAFE DDL/.test(String(l.msg))).length, 0, 'false: silent');

  const bad = await check({ orm, revisions, lint: 'loud' as never }).catch((e: unknown) => e);
  t.match(bad, { code: 'UPSHIFT_INVALID_OPTION', option: 'lint' });

  // Silenced by hand in the file: a `--` comment in one SQL string, `//` lines above the others.
  const silenced = readFileSync(generated!.path, 'utf8')
    .replace(
      `await sql('create index "note_body_index"`,
      `await sql('-- upshift-lint-ignore create-index-not-concurrently: note is small\\ncreate index "note_body_index"`,
    )
    .replace(
      /(\n\s*)(await sql\('alter table "note" (?:add constraint "note_author_id_foreign"|alter column "body" set not null|add constraint "note_email_unique"))/g,
      '$1// upshift-lint-ignore constraint-without-not-valid: note is small$1// upshift-lint-ignore set-not-null-without-check: small$1// upshift-lint-ignore add-unique-constraint: small$1$2',
    );
  writeFileSync(generated!.path, silenced);
  // The edited module under a new URL (the old one stays in Node's module cache).
  const edited = ((await import(`${pathToFileURL(generated!.path).href}?edited`)) as { default: Revision }).default;
  const bundle = (await loadRevisions(ws.dir)).map((r) => (r.id === edited.id ? edited : r));
  const quiet = await check({ orm, revisions: bundle, lint: 'error', logger: silent });
  t.same(quiet.lint, [], 'every finding silenced with a reason: check() passes with lint: error');
});

onPostgres(
  'revision({ safe: true }): a chain that applies on 500 rows, passes the round trip and the lint',
  async (t, db) => {
    const { ws, orm } = await busyNote(t, db);
    const generated = await revision({ orm, dir: ws.dir, message: 'index body', logger: silent, safe: true });
    t.same(generated!.lint, [], 'no finding left');
    const chain = [generated!, ...generated!.chain];
    t.same(
      chain.map((r) => r.up),
      [
        [
          'alter table "note" add "author_id" int null',
          'alter table "note" add constraint "note_author_id_foreign" foreign key ("author_id") references "author" ("id") on delete set null not valid',
          'alter table "note" add constraint "note_body_not_null" check ("body" is not null) not valid',
        ],
        [
          'create index concurrently if not exists "note_body_index" on "note" ("body")',
          'create unique index concurrently if not exists "note_email_unique" on "note" ("email")',
          'alter table "note" add constraint "note_email_unique" unique using index "note_email_unique"',
        ],
        [
          'alter table "note" validate constraint "note_author_id_foreign"',
          'alter table "note" validate constraint "note_body_not_null"',
        ],
        [
          'alter table "note" alter column "body" set not null',
          'alter table "note" drop constraint "note_body_not_null"',
        ],
      ],
    );
    t.same(
      generated!.chain.map((r) => r.transaction),
      [false, true, true],
    );
    t.same(generated!.chain[0]!.parents, [generated!.id], 'a chain');
    t.match(readFileSync(generated!.chain[0]!.path, 'utf8'), /transaction: false,/);

    const migrator = new Migrator({ orm, revisions: await loadEntries(ws.dir), logger: silent });
    const applied = await migrator.upgrade();
    t.same(
      applied.applied,
      chain.map((r) => r.id),
    );
    t.same(await db.query('select count(*)::int as n from note'), [{ n: ROWS }], 'every row is still there');
    const constraints = await db.query<{ conname: string; convalidated: boolean }>(
      "select conname, convalidated from pg_constraint where conrelid = 'note'::regclass and contype in ('f', 'u', 'c') order by conname",
    );
    t.same(constraints, [
      { conname: 'note_author_id_foreign', convalidated: true },
      { conname: 'note_email_unique', convalidated: true },
    ]);
    t.same(
      await db.query("select attnotnull from pg_attribute where attrelid = 'note'::regclass and attname = 'body'"),
      [{ attnotnull: true }],
    );
    const dup = await db
      .query("insert into note (id, body, email) values (9999, 'x', 'n1@example.com')")
      .catch((e: unknown) => e);
    t.match(dup, { code: '23505' }, 'the unique constraint holds');

    const result = await check({ orm, revisions: await loadEntries(ws.dir), lint: 'error', logger: silent });
    t.same(result.lint, []);
    t.same(result.irreversible, []);
    t.equal(result.revisions, 5, 'round trip of the base and each of the chain passed');

    const down = await migrator.downgrade(generated!.parents[0]!);
    t.same(
      down.reverted,
      [...chain].reverse().map((r) => r.id),
      'and the chain downgrades on the rows',
    );
    t.same(await db.query('select count(*)::int as n from note'), [{ n: ROWS }]);
  },
);

// The same hand-written revisions: an index created on an existing table is a finding on
// PostgreSQL only; `safe` must be a boolean.
const Thing = defineEntity({
  name: 'Thing',
  properties: { id: p.integer().primary(), label: p.string().index() },
});
const handWritten = [
  createThing,
  defineRevision({
    id: 'thing_0002',
    parents: ['thing_0001'],
    message: 'index label',
    async up({ sql, dialect }) {
      await sql(quotedFor(dialect, 'create index "thing_label_index" on "thing" ("label")'));
    },
    async down({ sql, dialect }) {
      await sql(
        quotedFor(
          dialect,
          dialect === 'mariadb' ? 'drop index "thing_label_index" on "thing"' : 'drop index "thing_label_index"',
        ),
      );
    },
  }),
];

eachDatabase('check() lints on PostgreSQL only; revision() refuses a safe that is not a boolean', async (t, db) => {
  const orm = await db.orm([Thing]);
  t.teardown(() => orm.close(true));
  const result = check({ orm, revisions: handWritten, lint: 'error', logger: silent });
  if (db.dialect === 'postgresql') {
    const error = await result.catch((e: unknown) => e);
    t.type(error, UnsafeDdlError);
    t.same(
      (error as UnsafeDdlError).findings.map((f) => [f.revision, f.rule]),
      [['thing_0002', 'create-index-not-concurrently']],
    );
  } else t.same((await result).lint, [], `${db.dialect}: no lint`);
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  await t.rejects(revision({ orm, dir: ws.dir, message: 'x', safe: 'yes' as never, logger: silent }), {
    code: 'UPSHIFT_INVALID_OPTION',
    option: 'safe',
  });
  if (db.dialect === 'postgresql') return;
  // safe: true where there are no recipes: the revision is written as usual, and the log says so.
  const log = memoryLogger();
  const written = await revision({ orm, dir: ws.dir, message: 'thing', safe: true, logger: log.logger });
  t.same(written?.chain, [], 'one revision, no chain');
  t.ok(
    log.lines.some(
      (l) => l.level === 40 && /safe: true changes nothing on (SQLite|MariaDB\/MySQL)/.test(String(l.msg)),
    ),
    'a warning says safe: true does nothing here',
  );
});
