// Finding 7 of issue 22: a NOT NULL column without a default, added to an existing table, passes
// check() (the shadow has no rows) and fails on any database that has some. revision() must warn,
// in the file and in the log, with the fix. And a NOT NULL column *with* a default must work on a
// table with rows (on SQLite, MikroORM's rebuild copied NULL into it).
import { readFileSync } from 'node:fs';
import { defineEntity, p } from '@mikro-orm/core';
import { Migrator, RevisionFailedError } from 'upshift';
import { check, init, revision } from 'upshift/dev';
import type { AnyDialectName, TestDatabase } from '../helpers/databases.ts';
import { eachDatabase, eachDialect, onMariadb, type TapTest } from '../helpers/each-dialect.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';
import { loadRevisions, silent } from './load.ts';
import { workspace } from './workspace.ts';

const model = (v: 1 | 2) => [
  defineEntity({
    name: 'Note',
    properties: {
      id: p.integer().primary(),
      body: p.string(),
      maybe: v === 1 ? p.string().nullable() : p.string(),
      ...(v === 2 ? { must: p.string() } : {}),
    },
  }),
];

/** A bundle with the note table (model 1) applied to `db`, and two rows in it, one with maybe NULL. */
async function noteWithRows(t: TapTest, db: TestDatabase<AnyDialectName>) {
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  const orm = await db.orm(model(1));
  await revision({ orm, dir: ws.dir, message: 'note', logger: silent });
  await new Migrator({ orm, revisions: await loadRevisions(ws.dir), logger: silent }).upgrade();
  await db.query("insert into note (id, body, maybe) values (1, 'a', 'x'), (2, 'b', null)");
  return ws;
}

eachDialect(
  'a NOT NULL column without a default, or a column made NOT NULL, is warned about (finding 7)',
  async (t, db) => {
    const ws = await noteWithRows(t, db);

    const orm = await db.orm(model(2));
    const log = memoryLogger();
    const generated = await revision({ orm, dir: ws.dir, message: 'must and maybe', logger: log.logger });
    const up = generated!.warnings.filter((w) => w.startsWith('up: '));
    t.equal(up.length, 2, 'two warnings for up()');
    t.match(
      up.join('\n'),
      /adds NOT NULL column "note"\."must" without a default: it fails on a table that has rows\. Give the property a default, or add it nullable/,
    );
    t.match(
      up.join('\n'),
      /makes "note"\."maybe" NOT NULL: it fails if any row holds NULL there\. Fill those rows first/,
    );
    const source = readFileSync(generated!.path, 'utf8');
    t.match(source, /\/\/ WARNING: adds NOT NULL column "note"\."must" without a default/, 'in the file');
    t.match(source, /\/\/ WARNING: makes "note"\."maybe" NOT NULL/);
    t.ok(
      log.lines.some((l) => l.level === 40 && /adds NOT NULL column "note"\."must"/.test(String(l.msg))),
      'and in the log',
    );

    const revisions = await loadRevisions(ws.dir);
    await check({ orm, revisions }); // passes: the shadow has no rows, which is why revision() must say it
    const error = await new Migrator({ orm, revisions, logger: silent }).upgrade().catch((e: unknown) => e);
    t.type(error, RevisionFailedError, 'the warning is true: on a table with rows, up() fails (and rolls back)');
    t.same(await db.query('select id, body, maybe from note order by id'), [
      { id: 1, body: 'a', maybe: 'x' },
      { id: 2, body: 'b', maybe: null },
    ]);
  },
);

eachDatabase('NOT NULL columns with a default are added to a table that has rows, without a warning', async (t, db) => {
  const model = (v: 1 | 2) => [
    defineEntity({
      name: 'Note',
      properties: {
        id: p.integer().primary(),
        body: p.string(),
        ...(v === 2 ? { flag: p.boolean().default(false), label: p.string().default('none') } : {}),
      },
    }),
  ];
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  const orm1 = await db.orm(model(1));
  await revision({ orm: orm1, dir: ws.dir, message: 'note', logger: silent });
  await new Migrator({ orm: orm1, revisions: await loadRevisions(ws.dir), logger: silent }).upgrade();
  await db.query("insert into note (id, body) values (1, 'a'), (2, 'b')");
  const orm = await db.orm(model(2));
  const generated = await revision({ orm, dir: ws.dir, message: 'flag and label', logger: silent });
  t.same(generated!.warnings, []);
  const migrator = new Migrator({ orm, revisions: await loadRevisions(ws.dir), logger: silent });
  t.same((await migrator.upgrade()).applied, [generated!.id], 'applies on a table with rows');
  const rows = await db.query<{ id: number; flag: unknown; label: string }>(
    'select id, flag, label from note order by id',
  );
  t.same(
    rows.map((r) => [r.id, Boolean(r.flag), r.label]),
    [
      [1, false, 'none'],
      [2, false, 'none'],
    ],
    'existing rows get the defaults',
  );
  await migrator.downgrade('-1');
  t.same(await db.query('select id, body from note order by id'), [
    { id: 1, body: 'a' },
    { id: 2, body: 'b' },
  ]);
});

onMariadb(
  'MariaDB: the warnings say what MariaDB does, and a failed revision resumes once the rows are fixed',
  async (t, db) => {
    const ws = await noteWithRows(t, db);

    const orm = await db.orm(model(2));
    const generated = await revision({ orm, dir: ws.dir, message: 'must and maybe', logger: silent });
    const up = generated!.warnings.filter((w) => w.startsWith('up: ')).join('\n');
    t.match(
      up,
      /adds NOT NULL column "note"\."must" without a default: on MariaDB\/MySQL every row already there silently gets the type's implicit default/,
    );
    t.match(
      up,
      /makes "note"\."maybe" NOT NULL: it fails if any row holds NULL there\. .*set `maybe` = \.\.\. where `maybe` is null/,
    );
    t.same(
      generated!.up.map((s) => /add `must`|modify `maybe`/.exec(s)?.[0]),
      ['add `must`', 'modify `maybe`'],
      'the column is added before the other is made NOT NULL',
    );

    const revisions = await loadRevisions(ws.dir);
    const migrator = new Migrator({ orm, revisions, logger: silent });
    const error = await migrator.upgrade().catch((e: unknown) => e);
    t.type(error, RevisionFailedError, 'the warning is true: with a NULL there, up() fails');
    // DDL commits by itself on MariaDB: the first statement stays applied, and the rows are whole.
    t.same(await db.query('select id, body, maybe, must from note order by id'), [
      { id: 1, body: 'a', maybe: 'x', must: '' },
      { id: 2, body: 'b', maybe: null, must: '' },
    ]);
    await db.query("update note set maybe = 'filled' where maybe is null");
    t.same((await migrator.upgrade()).applied, [generated!.id], 'fixed rows: the next upgrade() resumes and finishes');
    t.same(await db.query('select id, maybe, must from note order by id'), [
      { id: 1, maybe: 'x', must: '' },
      { id: 2, maybe: 'filled', must: '' },
    ]);
  },
);
