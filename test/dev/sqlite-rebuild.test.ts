import t from 'tap';
import { defineEntity, p } from '@mikro-orm/core';
import { defineRevision, Migrator, RevisionFailedError, type Revision } from 'upshift';
import { init, revision } from 'upshift/dev';
import { createDatabase } from '../helpers/databases.ts';
import { loadRevisions, silent } from './load.ts';
import { snapshot } from './snapshot.ts';
import { workspace } from './workspace.ts';

function model(v: 1 | 2) {
  const Parent = defineEntity({
    name: 'Parent',
    properties: { id: p.integer().primary(), name: v === 1 ? p.string() : p.string().nullable() },
  });
  const Child = defineEntity({
    name: 'Child',
    properties: { id: p.integer().primary(), parent: () => p.manyToOne(Parent) },
  });
  return [Parent, Child];
}

/**
 * A column change on SQLite is a table rebuild. With foreign keys on (MikroORM turns them on for
 * every connection) and rows in a child table, it must work inside upshift's transaction, keep
 * every row and leave foreign keys enforced; and a rebuild that would orphan a child must fail
 * and roll back instead of committing a broken database.
 */
t.test('SQLite column change on a referenced table, with data, inside a transaction', async (t) => {
  const db = await createDatabase('sqlite');
  t.teardown(() => db.drop());
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });

  const orm1 = await db.orm(model(1));
  await revision({ orm: orm1, dir: ws.dir, message: 'parent and child', logger: silent });
  await new Migrator({ orm: orm1, revisions: await loadRevisions(ws.dir), logger: silent }).upgrade();
  await db.query("insert into parent (id, name) values (1, 'one'), (2, 'two')");
  await db.query('insert into child (id, parent_id) values (10, 1), (11, 2), (12, 2)');

  const orm2 = await db.orm(model(2));
  const generated = await revision({ orm: orm2, dir: ws.dir, message: 'parent.name nullable', logger: silent });
  t.ok(generated!.up.some((s) => /__temp_alter/.test(s)), 'the change is a table rebuild');
  t.notOk(generated!.up.some((s) => /^pragma foreign_keys/i.test(s)), 'without pragma foreign_keys (a no-op inside a transaction)');
  t.equal(generated!.up[0], 'pragma defer_foreign_keys = on');
  const revisions = await loadRevisions(ws.dir);
  const [fk] = (await orm2.em.getConnection().execute('pragma foreign_keys')) as { foreign_keys: number }[];
  t.equal(fk?.foreign_keys, 1, "the app's connection enforces foreign keys");

  // Control: MikroORM's own statements, run the same way, fail: the rewrite is what makes it work.
  const raw = await (orm2.schema as unknown as { getUpdateSchemaSQL(o: object): Promise<string> }).getUpdateSchemaSQL({ wrap: false });
  const rawStatements = raw.split(/;\n/).map((s) => s.trim()).filter(Boolean);
  t.ok(rawStatements.includes('pragma foreign_keys = off'));
  const control: Revision = defineRevision({
    id: 'control_raw',
    parents: [revisions[0]!.id],
    async up({ sql }) {
      for (const s of rawStatements) await sql(s);
    },
  });
  const before = await snapshot(db);
  await t.rejects(new Migrator({ orm: orm2, revisions: [revisions[0]!, control], logger: silent }).upgrade(), RevisionFailedError, "MikroORM's raw rebuild fails inside a transaction");
  t.same(await snapshot(db), before, 'and rolls back');

  // A rebuild that loses a referenced row is refused at commit.
  const lossy: Revision = defineRevision({
    id: 'lossy_rebuild',
    parents: [revisions[0]!.id],
    async up({ sql }) {
      for (const s of generated!.up) await sql(s.startsWith('insert into `parent` select') ? `${s} where id <> 1` : s);
    },
  });
  await t.rejects(new Migrator({ orm: orm2, revisions: [revisions[0]!, lossy], logger: silent }).upgrade(), /FOREIGN KEY constraint failed/, 'orphaning a child fails');
  t.same(await snapshot(db), before, 'and rolls back everything');

  const migrator = new Migrator({ orm: orm2, revisions, logger: silent });
  t.same((await migrator.upgrade()).applied, [generated!.id], 'the generated rebuild applies');
  const after = await snapshot(db);
  t.same(after.rows.parent, before.rows.parent, 'every parent row kept');
  t.same(after.rows.child, before.rows.child, 'every child row kept');
  t.same(await db.query("select \"notnull\" from pragma_table_info('parent') where name = 'name'"), [{ notnull: 0 }], 'the column changed');
  t.same(await db.query('select * from pragma_foreign_key_check'), [], 'no dangling reference');
  await t.rejects(orm2.em.getConnection().execute('insert into child (id, parent_id) values (99, 12345)'), /FOREIGN KEY/, 'foreign keys still enforced on the rebuilt table');

  await migrator.downgrade('-1');
  t.same((await snapshot(db)).rows, before.rows, 'down (another rebuild) keeps the rows too');
  t.same(await db.query("select \"notnull\" from pragma_table_info('parent') where name = 'name'"), [{ notnull: 1 }]);
});
