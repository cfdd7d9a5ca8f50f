// Findings 2 and 3 of issue 22: the down() that MikroORM writes for SQLite fails. A first
// revision's down dropped parents before the tables referencing them ("no such table"), and the
// down after removing a M:N relation declared its pivot's primary key twice.
import t from 'tap';
import { defineEntity, p } from '@mikro-orm/core';
import { Migrator } from 'upshift';
import { check, init, revision } from 'upshift/dev';
import { createDatabase } from '../helpers/databases.ts';
import { userTables } from '../helpers/schema.ts';
import { loadRevisions, silent } from './load.ts';
import { workspace } from './workspace.ts';

t.test(
  "a first revision's down drops children first, and downgrade('base') works on a database with rows (finding 2)",
  async (t) => {
    const User = defineEntity({ name: 'User', properties: { id: p.integer().primary(), name: p.string() } });
    const Article = defineEntity({
      name: 'Article',
      properties: {
        id: p.integer().primary(),
        author: () => p.manyToOne(User).deleteRule('cascade'),
        parent: () => p.manyToOne(Article).nullable(),
      },
    });
    const Comment = defineEntity({
      name: 'Comment',
      properties: {
        id: p.integer().primary(),
        article: () => p.manyToOne(Article).deleteRule('cascade'),
        author: () => p.manyToOne(User).deleteRule('cascade'),
      },
    });
    const db = await createDatabase('sqlite');
    t.teardown(() => db.drop());
    const ws = workspace();
    t.teardown(ws.remove);
    await init({ dir: ws.dir });
    const orm = await db.orm([User, Article, Comment]);
    const generated = await revision({ orm, dir: ws.dir, message: 'base', logger: silent });
    const drops = generated!.down.map((s) => /drop table if exists `(\w+)`/.exec(s)?.[1]);
    t.same(drops, ['comment', 'article', 'user'], 'children first (MikroORM writes user, article, comment)');
    const revisions = await loadRevisions(ws.dir);
    const result = await check({ orm, revisions });
    t.same(result.irreversible, [], 'check(): the round trip passes');
    const migrator = new Migrator({ orm, revisions, logger: silent });
    await migrator.upgrade();
    await db.query("insert into user (id, name) values (1, 'a'), (2, 'b')");
    await db.query('insert into article (id, author_id, parent_id) values (1, 1, null), (2, 2, 1)');
    await db.query('insert into comment (id, article_id, author_id) values (1, 1, 2), (2, 2, 1)');
    t.same((await migrator.downgrade('base')).reverted, [generated!.id]);
    t.same(await userTables(db), [], 'every table dropped');
    await migrator.upgrade();
    t.same(await userTables(db), ['article', 'comment', 'user'], 'and up again');
  },
);

t.test('the down of removing a M:N relation recreates its pivot with one primary key (finding 3)', async (t) => {
  const model = (withTags: boolean) => {
    const Tag = defineEntity({ name: 'Tag', properties: { id: p.integer().primary(), name: p.string() } });
    const Book = defineEntity({
      name: 'Book',
      properties: {
        id: p.integer().primary(),
        title: p.string(),
        ...(withTags ? { tags: () => p.manyToMany(Tag) } : {}),
      },
    });
    return [Book, Tag];
  };
  const db = await createDatabase('sqlite');
  t.teardown(() => db.drop());
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  await revision({ orm: await db.orm(model(true)), dir: ws.dir, message: 'books and tags', logger: silent });
  const orm = await db.orm(model(false));
  const generated = await revision({ orm, dir: ws.dir, message: 'no more tags', logger: silent });
  t.match(
    generated!.down[0],
    /^create table `book_tags` \(`book_id` INTEGER not null, `tag_id` INTEGER not null, primary key \(`book_id`, `tag_id`\)/i,
  );
  const revisions = await loadRevisions(ws.dir);
  await check({ orm, revisions });
  const migrator = new Migrator({ orm, revisions, logger: silent });
  await migrator.upgrade();
  await db.query("insert into book (id, title) values (1, 'x')");
  t.same((await migrator.downgrade('-1')).reverted, [generated!.id], 'down() runs');
  t.same(
    await db.query("select name, pk from pragma_table_info('book_tags') order by cid"),
    [
      { name: 'book_id', pk: 1 },
      { name: 'tag_id', pk: 2 },
    ],
    'one composite primary key',
  );
  t.same(await db.query('select id, title from book'), [{ id: 1, title: 'x' }]);
});
