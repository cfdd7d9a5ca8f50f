import { readFileSync } from 'node:fs';
import { defineEntity, p, type MikroORM } from '@mikro-orm/core';
import { Migrator } from 'upshift';
import { check, init, revision } from 'upshift/dev';
import { eachDatabase } from '../helpers/each-dialect.ts';
import type { AnyDialectName, TestDatabase } from '../helpers/databases.ts';
import { files, loadRevisions, silent } from './load.ts';
import { snapshot, schemaOf } from './snapshot.ts';
import { workspace } from './workspace.ts';

/** The model at each step of the story; every call builds fresh entity definitions. */
function model(step: number) {
  const Author = defineEntity({
    name: 'Author',
    properties: {
      id: p.integer().primary(),
      name: step >= 6 ? p.string().length(50).nullable() : p.string().length(50),
      ...(step >= 2 && step < 8 ? { email: step >= 3 ? p.string().nullable().index() : p.string().nullable() } : {}),
    },
  });
  if (step < 4) return [Author];
  const Book = defineEntity({
    name: 'Book',
    properties: {
      id: p.integer().primary(),
      title: p.string(),
      pages: step >= 7 ? p.double().nullable() : p.integer().nullable(),
      ...(step >= 5 ? { author: () => p.manyToOne(Author).nullable() } : {}),
    },
  });
  return [Author, Book];
}

const STEPS = [
  { step: 1, message: 'add an entity: author' },
  { step: 2, message: 'add a column: author.email' },
  { step: 3, message: 'add an index on author.email' },
  { step: 4, message: 'add the book entity' },
  { step: 5, message: 'add a relation: book.author' },
  { step: 6, message: 'make author.name nullable' },
  { step: 7, message: 'change the type of book.pages to double' },
  { step: 8, message: 'remove author.email' },
];

const withoutVersionTable = (lines: string[]) => lines.filter((l) => !l.includes('upshift_revisions'));

async function pendingOnRealDatabase(orm: MikroORM): Promise<string> {
  const { up } = await (
    orm.schema as unknown as { getUpdateSchemaMigrationSQL(o: object): Promise<{ up: string }> }
  ).getUpdateSchemaMigrationSQL({ wrap: false });
  return up.trim();
}

async function seed(db: TestDatabase<AnyDialectName>, step: number): Promise<void> {
  if (step === 1) await db.query("insert into author (id, name) values (1, 'Ada'), (2, 'Grace')");
  if (step === 5)
    await db.query(
      "insert into book (id, title, pages, author_id) values (1, 'Notes', 40, 1), (2, 'COBOL', 300, 2), (3, 'Anonymous', null, null)",
    );
}

eachDatabase(
  'each model change yields a revision whose up matches the entities and whose down restores the schema',
  async (t, db) => {
    const ws = workspace();
    t.teardown(ws.remove);
    await init({ dir: ws.dir });
    let previous = withoutVersionTable(await schemaOf(db));
    let orm: MikroORM | undefined;
    for (const { step, message } of STEPS) {
      orm = await db.orm(model(step), {
        schemaGenerator: { skipTables: ['upshift_revisions', 'upshift_revisions_state', 'upshift_revisions_progress'] },
      });
      const before = await snapshot(db);

      let started = performance.now();
      const generated = await revision({ orm, dir: ws.dir, message, logger: silent });
      const revisionMs = Math.round(performance.now() - started);
      if (!generated) throw new Error(`step ${step}: revision() returned null`);
      t.same(
        await snapshot(db),
        before,
        `step ${step}: revision() left the app's database (schema and rows) untouched`,
      );
      t.match(generated.id, /^[0-9a-f]{12}$/, `step ${step}: id is 12 hex characters`);
      const source = readFileSync(generated.path, 'utf8');
      t.match(source, /import type \{ Revision \} from 'upshift';/);
      t.match(source, /\} satisfies Revision;\n$/);

      const revisions = await loadRevisions(ws.dir);
      t.equal(revisions.at(-1)!.id, generated.id, `step ${step}: index.ts lists the new revision last`);
      t.same(
        revisions.at(-1)!.parents,
        revisions.length > 1 ? [revisions.at(-2)!.id] : [],
        `step ${step}: its parent is the previous head`,
      );
      started = performance.now();
      await check({ orm, revisions });
      const checkMs = Math.round(performance.now() - started);
      t.same(await snapshot(db), before, `step ${step}: check() left the app's database untouched`);
      t.comment(
        `step ${step} [${db.dialect}]: revision() ${revisionMs} ms, check() of ${revisions.length} revision(s) ${checkMs} ms`,
      );

      // Apply to the real database, which holds rows, at the previous head.
      const migrator = new Migrator({ orm, revisions, logger: silent });
      const rowCounts = Object.fromEntries(
        Object.entries(before.rows)
          .filter(([k]) => !k.startsWith('upshift_revisions'))
          .map(([k, v]) => [k, v.length]),
      );
      t.same((await migrator.upgrade()).applied, [generated.id], `step ${step}: upgrade applies the new revision`);
      t.equal(await pendingOnRealDatabase(orm), '', `step ${step}: after up, the real database matches the entities`);
      const after = await snapshot(db);
      for (const [table, count] of Object.entries(rowCounts))
        t.equal(after.rows[table]?.length, count, `step ${step}: the rows of ${table} survive up`);
      await migrator.downgrade('-1');
      t.same(withoutVersionTable(await schemaOf(db)), previous, `step ${step}: down brings the schema back`);
      await migrator.upgrade();
      t.same(await schemaOf(db), after.schema, `step ${step}: up again rebuilds the same schema`);
      await seed(db, step);
      previous = withoutVersionTable(after.schema);

      if (step === 8) {
        t.match(
          generated.dataLoss.join('\n'),
          /up: drops column "author"\."email"/,
          'removing a column is reported as data loss',
        );
        t.match(source, /\/\/ DATA LOSS: .*"author"\."email"/, 'and marked in the file');
      } else {
        t.same(
          generated.dataLoss.filter((d) => d.startsWith('up:')),
          [],
          `step ${step}: nothing in up() loses data`,
        );
      }
    }

    const listed = files(ws.dir);
    const before = await snapshot(db);
    t.equal(
      await revision({ orm: orm!, dir: ws.dir, message: 'nothing changed', logger: silent }),
      null,
      'no change: revision() returns null',
    );
    t.same(files(ws.dir), listed, 'no change: no file written, index.ts unchanged');
    t.same(await snapshot(db), before, 'no change: the app database is untouched');
  },
);

eachDatabase(
  'revision({ autogenerate: false }) writes an empty revision, and the id option is honoured',
  async (t, db) => {
    const ws = workspace();
    t.teardown(ws.remove);
    await init({ dir: ws.dir });
    const orm = await db.orm(model(1));
    const first = await revision({ orm, dir: ws.dir, message: 'base', logger: silent, id: 'base_0001' });
    t.equal(first?.id, 'base_0001');
    const empty = await revision({ dir: ws.dir, message: 'data fix', autogenerate: false, logger: silent });
    t.ok(empty, 'an empty revision is written even though nothing changed');
    t.same(empty!.up, []);
    t.same(empty!.parents, ['base_0001']);
    const revisions = await loadRevisions(ws.dir);
    t.same(
      revisions.map((r) => r.id),
      ['base_0001', empty!.id],
    );
    await check({ orm, revisions });
  },
);
