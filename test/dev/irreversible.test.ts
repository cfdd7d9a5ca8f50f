// Finding 5 of issue 22: a generated revision whose down() cannot be produced must have no
// down(), so that downgrade() through it throws IrreversibleRevisionError instead of reporting
// success and leaving the change.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { defineEntity, p } from '@mikro-orm/core';
import { IrreversibleRevisionError, Migrator } from 'upshift';
import { check, init, revision, TemplateError } from 'upshift/dev';
import { irreversibleReason } from '../../lib/dev/irreversible.ts';
import { renderRevision } from '../../lib/dev/render.ts';
import { onPostgres } from '../helpers/each-dialect.ts';
import { loadRevisions, silent } from './load.ts';
import { workspace } from './workspace.ts';

const model = (items: string[]) => [
  defineEntity({
    name: 'Pub',
    properties: { id: p.integer().primary(), kind: p.enum(items).nativeEnumName('pub_kind') },
  }),
];

onPostgres('adding a value to a native enum is irreversible, and says why (finding 5)', async (t, db) => {
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  await revision({ orm: await db.orm(model(['a', 'b'])), dir: ws.dir, message: 'pub', logger: silent });
  const orm = await db.orm(model(['a', 'b', 'c']));
  const generated = await revision({ orm, dir: ws.dir, message: 'kind c', logger: silent });
  t.ok(generated!.up.some((s) => /^alter type "pub_kind" add value/.test(s)));
  t.match(generated!.irreversible, /PostgreSQL cannot remove a value from an enum type/);
  t.same(generated!.down, []);
  const source = readFileSync(generated!.path, 'utf8');
  t.match(source, /\/\/ No down\(\): PostgreSQL cannot remove a value from an enum type/);
  t.notMatch(source, /down\s*\(\s*\{/, 'no down() method at all');

  const revisions = await loadRevisions(ws.dir);
  t.equal(revisions.at(-1)!.down, undefined);
  t.same((await check({ orm, revisions })).irreversible, [generated!.id], 'check() lists it as irreversible');
  const migrator = new Migrator({ orm, revisions, logger: silent });
  await migrator.upgrade();
  await t.rejects(
    migrator.downgrade('-1'),
    IrreversibleRevisionError,
    'downgrade() refuses instead of reporting success',
  );
  t.same(
    await db.query(
      "select enumlabel from pg_enum e join pg_type t on t.oid = e.enumtypid where t.typname = 'pub_kind' order by enumsortorder",
    ),
    [{ enumlabel: 'a' }, { enumlabel: 'b' }, { enumlabel: 'c' }],
  );
});

t.test('irreversibleReason: no inverse statement, or an enum value added', async (t) => {
  t.match(
    irreversibleReason('sqlite', ['create view v as select 1'], []),
    /MikroORM found nothing to undo "create view v as select 1"/,
  );
  t.equal(
    irreversibleReason('sqlite', ['alter table `t` add column `c` text'], ['alter table `t` drop column `c`']),
    undefined,
  );
  t.match(
    irreversibleReason(
      'postgresql',
      ['alter type "public"."k" add value if not exists \'c\'', 'alter table "t" drop constraint "x"'],
      ['alter table "t" add constraint "x" check (1 = 1)'],
    ),
    /cannot remove a value from an enum type/,
    'even when down() undoes the rest',
  );
});

t.test('an edited template whose down() cannot be left out is refused, not half-rendered', async (t) => {
  const template =
    'export default {\n  async up({ sql }) {\n{{up}}\n  },\n  down: async ({ sql }) => {\n    {{down}}\n  },\n};\n';
  t.throws(
    () =>
      renderRevision(
        template,
        {
          id: 'x',
          parents: [],
          message: 'm',
          createdAt: '',
          up: [{ sql: 'select 1' }],
          down: [],
          irreversible: 'because',
        },
        'my.template',
      ),
    TemplateError,
  );
});
