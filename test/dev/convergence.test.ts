// Finding 4 of issue 22: on SQLite, MikroORM's diff never converges for a composite foreign key
// (read back as two single-column keys), a bigint primary key, a native enum's type name and an
// enum array. revision() with no change must not write yet another rebuild, and check() must
// tell this apart from real drift.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { defineEntity, p } from '@mikro-orm/core';
import { Migrator } from 'upshift';
import { check, init, revision, SchemaDriftError } from 'upshift/dev';
import { createDatabase } from '../helpers/databases.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';
import { files, loadRevisions, silent } from './load.ts';
import { workspace } from './workspace.ts';

function model(options: { ownerColor?: boolean; carNote?: boolean } = {}) {
  const Car = defineEntity({
    name: 'Car',
    properties: {
      name: p.string().length(100).primary(),
      year: p.integer().primary(),
      ...(options.carNote ? { note: p.string().nullable() } : {}),
    },
  });
  const CarOwner = defineEntity({
    name: 'CarOwner',
    properties: {
      id: p.integer().primary(),
      car: () => p.manyToOne(Car),
      ...(options.ownerColor ? { color: p.string().nullable() } : {}),
    },
  });
  const BookTag = defineEntity({ name: 'BookTag', properties: { id: p.bigint().primary(), name: p.string() } });
  const Pub = defineEntity({
    name: 'Pub',
    properties: {
      id: p.integer().primary(),
      kind: p.enum(['a', 'b']).nativeEnumName('pub_kind'),
      kinds: p.enum(['a', 'b']).array().nullable(),
    },
  });
  return [Car, CarOwner, BookTag, Pub];
}

const PHANTOMS = ['book_tag', 'car_owner', 'pub'];

t.test("SQLite: MikroORM's non-converging diff is named, never written again, and not drift (finding 4)", async (t) => {
  const db = await createDatabase('sqlite');
  t.teardown(() => db.drop());
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  let orm = await db.orm(model());

  const first = await revision({ orm, dir: ws.dir, message: 'base', logger: silent });
  t.ok(first, 'the first revision is written');
  for (const table of PHANTOMS) t.match(first!.unconverged, `"${table}"`, `it names ${table} as not converging`);
  t.match(
    readFileSync(first!.path, 'utf8'),
    /\/\/ NOTE: MikroORM's diff does not converge on /,
    'and says so in the file',
  );

  let revisions = await loadRevisions(ws.dir);
  const checked = await check({ orm, revisions });
  t.same(checked.unconverged?.tables.sort(), PHANTOMS, 'check() passes, and reports the tables apart');
  t.ok(
    checked.unconverged!.statements.some((s) => s.startsWith('create table `car_owner__temp_alter`')),
    'with what MikroORM keeps asking for',
  );

  const listed = files(ws.dir);
  const log = memoryLogger();
  t.equal(
    await revision({ orm, dir: ws.dir, message: 'nothing changed', logger: log.logger }),
    null,
    'no change: no revision, not another rebuild',
  );
  t.same(files(ws.dir), listed, 'no file written');
  t.match(log.lines.find((l) => l.level === 40)?.msg, /does not converge on .*"car_owner"/, 'the log says why');

  // A real change to a table whose diff does not converge is still a revision.
  orm = await db.orm(model({ ownerColor: true }));
  const colored = await revision({ orm, dir: ws.dir, message: 'car owner color', logger: silent });
  t.ok(
    colored?.up.some((s) => /`color`/.test(s)),
    'the real change is generated',
  );
  revisions = await loadRevisions(ws.dir);
  await check({ orm, revisions });
  await new Migrator({ orm, revisions, logger: silent }).upgrade();
  t.same((await db.query("select name from pragma_table_info('car_owner') where name = 'color'")).length, 1);
  t.equal(await revision({ orm, dir: ws.dir, message: 'nothing again', logger: silent }), null);

  // Real drift on top of the phantoms is still drift, and only the real part is listed.
  const drifted = await db.orm(model({ ownerColor: true, carNote: true }));
  const error = await check({ orm: drifted, revisions }).catch((e: unknown) => e);
  t.type(error, SchemaDriftError);
  const statements = (error as SchemaDriftError).statements;
  t.ok(
    statements.some((s) => /`note`/.test(s)),
    'the missing column is drift',
  );
  t.notOk(
    statements.some((s) => /book_tag|car_owner|`pub/.test(s)),
    'the phantoms are not',
  );
});
