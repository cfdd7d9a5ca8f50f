// Finding 6 of issue 22: data-loss notes must find tables of other PostgreSQL schemas (dropping a
// column of archive.note, narrowing its varchar, dropping label_schema.label2_tests), and must
// not cry wolf on SQLite, where bigint and integer are the same 64-bit integers.
import t from 'tap';
import { defineEntity, p } from '@mikro-orm/core';
import { init, revision } from 'upshift/dev';
import { createDatabase } from '../helpers/databases.ts';
import { onPostgres } from '../helpers/each-dialect.ts';
import { silent } from './load.ts';
import { workspace } from './workspace.ts';

onPostgres('data loss in another schema is named with its schema (finding 6)', async (t, db) => {
  const model = (v: 1 | 2) => {
    const Test = defineEntity({ name: 'Test', properties: { id: p.integer().primary() } });
    const Note = defineEntity({
      name: 'Note',
      schema: 'archive',
      properties: {
        id: p.integer().primary(),
        body: p.string().length(v === 1 ? 100 : 20),
        ...(v === 1 ? { gone: p.string().nullable() } : {}),
      },
    });
    const Label = defineEntity({
      name: 'Label',
      properties: {
        id: p.integer().primary(),
        ...(v === 1 ? { tests: () => p.manyToMany(Test).pivotTable('label_schema.label2_tests') } : {}),
      },
    });
    return [Test, Note, Label];
  };
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  await revision({ orm: await db.orm(model(1)), dir: ws.dir, message: 'base', logger: silent });
  const generated = await revision({ orm: await db.orm(model(2)), dir: ws.dir, message: 'narrow', logger: silent });
  const up = generated!.dataLoss.filter((d) => d.startsWith('up: ')).sort();
  t.same(up, [
    'up: changes the type of "archive"."note"."body" from varchar(100) to varchar(20), which may not hold every existing value',
    'up: drops column "archive"."note"."gone" and its values',
    'up: drops table "label_schema"."label2_tests" and every row in it',
  ]);
});

t.test('SQLite: bigint to integer loses nothing; text to integer may (finding 6)', async (t) => {
  const model = (v: 1 | 2) => [
    defineEntity({
      name: 'Counter',
      properties: {
        id: p.integer().primary(),
        hits: v === 1 ? p.bigint() : p.integer(),
        code: v === 1 ? p.string() : p.integer(),
      },
    }),
  ];
  const db = await createDatabase('sqlite');
  t.teardown(() => db.drop());
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  await revision({ orm: await db.orm(model(1)), dir: ws.dir, message: 'base', logger: silent });
  const generated = await revision({ orm: await db.orm(model(2)), dir: ws.dir, message: 'narrow', logger: silent });
  t.same(
    generated!.dataLoss.filter((d) => d.startsWith('up: ')),
    [
      'up: rebuilds "counter": changes the type of "counter"."code" from TEXT to integer, which may not hold every existing value',
    ],
    'hits (bigint → integer) is not reported; code (text → integer) is',
  );
});
