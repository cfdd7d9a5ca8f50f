// lib/dev/sqlite-rewrite.ts, statement by statement, on MikroORM 7.2.1's own SQLite output.
import t from 'tap';
import {
  fillDefaults,
  fixCompositePrimaryKey,
  needsForeignKeysOff,
  orderDrops,
  rebuiltTables,
  rewriteSqlite,
  type ReferencedBy,
} from '../../lib/dev/sqlite-rewrite.ts';

const refs = (entries: Record<string, string[]>): ReferencedBy =>
  new Map(Object.entries(entries).map(([k, v]) => [k, new Set(v)]));

/** MikroORM's statements making author.name nullable; book.author_id references author. */
const REBUILD_AUTHOR = [
  'pragma foreign_keys = off',
  'create table `author__temp_alter` (`id` integer not null primary key autoincrement, `name` text null)',
  'insert into `author__temp_alter` select `id`, `name` from `author`',
  'drop table `author`',
  'alter table `author__temp_alter` rename to `author`',
  'pragma foreign_keys = on',
];

t.test(
  "a rebuild: the foreign_keys pragmas go, MikroORM's rebuild stays as it is, and a referenced table needs foreign keys off",
  async (t) => {
    const out = rewriteSqlite(REBUILD_AUTHOR, refs({ author: ['book'] }));
    t.same(
      out.statements,
      REBUILD_AUTHOR.slice(1, -1),
      'create __temp_alter, insert select, drop, rename: unchanged, in order',
    );
    t.same(out.foreignKeysOff, ['rebuilds "author", which "book" references']);
    t.notOk(
      out.statements.some((s) => /defer_foreign_keys|__upshift_copy/.test(s)),
      'no deferred checks and no temp copy (they did not stop ON DELETE actions)',
    );
  },
);

t.test('a rebuild of a table nothing references needs no foreign keys off; a self-reference does', async (t) => {
  t.same(rewriteSqlite(REBUILD_AUTHOR, refs({ publisher: ['book'] })).foreignKeysOff, []);
  t.same(
    rewriteSqlite(REBUILD_AUTHOR, refs({ author: ['author'] })).foreignKeysOff,
    ['rebuilds "author", which "author" references'],
    "the new copy's own foreign key names the old table, whose DROP would fire it",
  );
  t.same([...rebuiltTables(REBUILD_AUTHOR)], ['author']);
});

t.test('drops: children first, cycles kept together, nothing moved across another statement (finding 2)', async (t) => {
  // MikroORM's down of a first revision: creation order, parents before children.
  const down = [
    'drop table if exists `user`',
    'drop table if exists `article`',
    'drop table if exists `comment`',
    'drop table if exists `tag`',
    'drop table if exists `article_tags`',
  ];
  const references = refs({
    user: ['article', 'comment'],
    article: ['comment', 'article_tags'],
    tag: ['article_tags'],
  });
  const ordered = orderDrops(down, new Set(), references);
  t.same(ordered, [
    'drop table if exists `comment`',
    'drop table if exists `article_tags`',
    'drop table if exists `article`',
    'drop table if exists `user`',
    'drop table if exists `tag`',
  ]);
  t.same(
    needsForeignKeysOff(ordered, new Set(), references),
    [],
    'children first: no table is dropped while another still references it',
  );
  t.same(
    needsForeignKeysOff(down, new Set(), references).length,
    3,
    "MikroORM's order drops user, article and tag while they are referenced",
  );

  // author <-> book reference each other; publisher is referenced by book only.
  const cycle = refs({ author: ['book'], book: ['author'], publisher: ['book'] });
  const drops = ['drop table if exists `publisher`', 'drop table if exists `author`', 'drop table if exists `book`'];
  const cyc = orderDrops(drops, new Set(), cycle);
  t.same(
    cyc,
    ['drop table if exists `author`', 'drop table if exists `book`', 'drop table if exists `publisher`'],
    'the cycle first, in its order; then what it references',
  );
  t.same(
    needsForeignKeysOff(cyc, new Set(), cycle),
    ['drops "author" while "book" still references it'],
    'only the cycle needs foreign keys off',
  );

  const split = [
    'drop table if exists `user`',
    'alter table `x` add column `y` integer null',
    'drop table if exists `article`',
  ];
  t.same(orderDrops(split, new Set(), references), split, 'a drop is never moved across another statement');
  t.same(
    orderDrops(REBUILD_AUTHOR.slice(1, -1), rebuiltTables(REBUILD_AUTHOR), refs({ author: ['book'] })),
    REBUILD_AUTHOR.slice(1, -1),
    "a rebuild's own drop is not a drop to order",
  );
});

t.test('a composite primary key is declared once (finding 3)', async (t) => {
  // MikroORM's down after removing a M:N relation, verbatim.
  const pivot =
    'create table `book_tags` (`book_id` INTEGER not null primary key, `tag_id` INTEGER not null primary key, primary key (`book_id`, `tag_id`), ' +
    'constraint `book_tags_tag_id_foreign` foreign key (`tag_id`) references `tag` (`id`) on update cascade on delete cascade, ' +
    'constraint `book_tags_book_id_foreign` foreign key (`book_id`) references `book` (`id`) on update cascade on delete cascade)';
  t.equal(
    fixCompositePrimaryKey(pivot),
    'create table `book_tags` (`book_id` INTEGER not null, `tag_id` INTEGER not null, primary key (`book_id`, `tag_id`), ' +
      'constraint `book_tags_tag_id_foreign` foreign key (`tag_id`) references `tag` (`id`) on update cascade on delete cascade, ' +
      'constraint `book_tags_book_id_foreign` foreign key (`book_id`) references `book` (`id`) on update cascade on delete cascade)',
  );
  const single = 'create table `tag` (`id` integer not null primary key autoincrement, `name` text not null)';
  t.equal(fixCompositePrimaryKey(single), single, 'a single-column primary key is left alone');
  const quoted =
    "create table `n` (`a` text not null default 'primary key', `b` integer not null primary key, primary key (`a`, `b`))";
  t.equal(
    fixCompositePrimaryKey(quoted),
    "create table `n` (`a` text not null default 'primary key', `b` integer not null, primary key (`a`, `b`))",
    'text inside quotes is not touched',
  );
  t.equal(fixCompositePrimaryKey('create index `x` on `t` (`a`)'), 'create index `x` on `t` (`a`)');
});

t.test("a rebuild's copy puts a new column's default where MikroORM writes null", async (t) => {
  // MikroORM's rebuild adding `must` (NOT NULL, no default) and `flag` (NOT NULL default false).
  const rebuild = [
    "create table `note__temp_alter` (`id` integer not null primary key autoincrement, `body` text not null, `must` text not null, `flag` integer not null default false, `label` text not null default 'a, b', `at` datetime not null default (current_timestamp), `maybe` text null default null)",
    'insert into `note__temp_alter` select `id`, `body`, null as `must`, null as `flag`, null as `label`, null as `at`, null as `maybe` from `note`',
  ];
  t.same(
    fillDefaults(rebuild),
    [
      rebuild[0],
      "insert into `note__temp_alter` select `id`, `body`, null as `must`, false as `flag`, 'a, b' as `label`, (current_timestamp) as `at`, null as `maybe` from `note`",
    ],
    'defaults for flag, label and at; must (no default) and maybe (default null) stay null',
  );
  t.same(fillDefaults([rebuild[1]!]), [rebuild[1]], 'without the create of the same copy, nothing is guessed');
});
