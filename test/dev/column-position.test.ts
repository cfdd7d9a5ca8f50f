// MariaDB adds a column last unless told where: a down() that adds back the columns its up()
// dropped must put them where they were, or the restored table's column order differs.
import { defineEntity, p } from '@mikro-orm/core';
import { Migrator } from 'upshift';
import { init, revision } from 'upshift/dev';
import { onMariadb } from '../helpers/each-dialect.ts';
import { loadRevisions, silent } from './load.ts';
import { workspace } from './workspace.ts';

onMariadb('down() adds dropped columns back at their places', async (t, db) => {
  const model = (v: 1 | 2) => [
    defineEntity({
      name: 'Note',
      properties: {
        ...(v === 1 ? { code: p.string().nullable() } : {}),
        id: p.integer().primary(),
        ...(v === 1 ? { title: p.string().default('a, (b)'), kind: p.enum(['x', 'y']).default('x') } : {}),
        body: p.text(),
        ...(v === 1 ? { tail: p.integer().nullable() } : {}),
      },
    }),
  ];
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  const columns = async () =>
    (
      await db.query<{ name: string }>(
        "select column_name as name from information_schema.columns where table_schema = database() and table_name = 'note' order by ordinal_position",
      )
    ).map((c) => c.name);
  const first = await db.orm(model(1));
  await revision({ orm: first, dir: ws.dir, message: 'base', logger: silent });
  await new Migrator({ orm: first, revisions: await loadRevisions(ws.dir), logger: silent }).upgrade();
  const original = await columns();
  t.same(original, ['id', 'code', 'title', 'kind', 'body', 'tail']); // MikroORM puts the key first

  const second = await db.orm(model(2));
  const generated = await revision({ orm: second, dir: ws.dir, message: 'drop', logger: silent });
  t.ok(generated && !generated.irreversible, 'the revision has a down()');
  const migrator = new Migrator({ orm: second, revisions: await loadRevisions(ws.dir), logger: silent });
  await migrator.upgrade();
  t.same(await columns(), ['id', 'body']);
  await migrator.downgrade('-1');
  t.same(await columns(), original, 'the columns are back in their order');
});
