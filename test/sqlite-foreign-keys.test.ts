// SQLite table rebuilds of a referenced table, run by the runner with `disableForeignKeys: true`:
// SQLite's 12-step procedure (foreign keys off outside the transaction, foreign_key_check before
// COMMIT, the setting restored). Real SQLite files holding rows; the statements are MikroORM's own
// rebuild (create __temp_alter, insert select, drop, rename) without its pragma lines.
import t from 'tap';
import type { MikroORM } from '@mikro-orm/core';
import {
  defineRevision,
  ForeignKeysNotDisabledError,
  ForeignKeyViolationError,
  InvalidRevisionError,
  Migrator,
  RevisionFailedError,
  type Revision,
  type RevisionInput,
} from 'upshift';
import { checksumOf } from '../lib/checksum.ts';
import { Database } from '../lib/database.ts';
import { withForeignKeysOff } from '../lib/dialect/sqlite/foreign-keys.ts';
import { createDatabase, type TestDatabase } from './helpers/databases.ts';
import { onPostgres, type TapTest } from './helpers/each-dialect.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

const BASE = [
  'create table `author` (`id` integer not null primary key autoincrement, `name` text not null)',
  'create table `book` (`id` integer not null primary key autoincrement, `title` text not null, `author_id` integer null, ' +
    'constraint `book_author_id_foreign` foreign key (`author_id`) references `author` (`id`) on delete set null)',
  'create table `tag` (`id` integer not null primary key autoincrement, `name` text not null)',
  'create table `book_tags` (`book_id` integer not null, `tag_id` integer not null, primary key (`book_id`, `tag_id`), ' +
    'constraint `book_tags_book_id_foreign` foreign key (`book_id`) references `book` (`id`) on update cascade on delete cascade, ' +
    'constraint `book_tags_tag_id_foreign` foreign key (`tag_id`) references `tag` (`id`) on update cascade on delete cascade)',
];

/** MikroORM's rebuild making author.name nullable: book.author_id is ON DELETE SET NULL. */
const REBUILD_AUTHOR = [
  'create table `author__temp_alter` (`id` integer not null primary key autoincrement, `name` text null)',
  'insert into `author__temp_alter` select `id`, `name` from `author`',
  'drop table `author`',
  'alter table `author__temp_alter` rename to `author`',
];

/** MikroORM's rebuild making book.title nullable: book_tags.book_id is ON DELETE CASCADE. */
const REBUILD_BOOK = [
  'create table `book__temp_alter` (`id` integer not null primary key autoincrement, `title` text null, `author_id` integer null, ' +
    'constraint `book_author_id_foreign` foreign key (`author_id`) references `author` (`id`) on delete set null)',
  'insert into `book__temp_alter` select `id`, `title`, `author_id` from `book`',
  'drop table `book`',
  'alter table `book__temp_alter` rename to `book`',
];

function revisionOf(id: string, parents: string[], statements: string[], extra: Partial<RevisionInput> = {}): Revision {
  return defineRevision({
    id,
    parents,
    async up({ sql }) {
      for (const s of statements) await sql(s);
    },
    async down() {},
    ...extra,
  });
}

const base = revisionOf('fk_base', [], BASE);

async function seeded(t: TapTest): Promise<{ db: TestDatabase; orm: MikroORM }> {
  const db = await createDatabase('sqlite');
  t.teardown(() => db.drop());
  const orm = await db.orm();
  await new Migrator({ orm, revisions: [base], logger: memoryLogger().logger }).upgrade();
  await db.query("insert into author (id, name) values (1, 'Ada'), (2, 'Grace'), (3, 'Barbara')");
  await db.query(
    "insert into book (id, title, author_id) values (10, 'Notes', 1), (11, 'COBOL', 2), (12, 'CLU', 3), (13, 'Anon', null)",
  );
  await db.query("insert into tag (id, name) values (100, 'math'), (101, 'languages'), (102, 'history')");
  await db.query(
    'insert into book_tags (book_id, tag_id) values (10, 100), (10, 102), (11, 101), (12, 101), (12, 102), (13, 100)',
  );
  return { db, orm };
}

async function rows(db: TestDatabase) {
  return {
    author: await db.query('select id, name from author order by id'),
    book: await db.query('select id, title, author_id from book order by id'),
    book_tags: await db.query('select book_id, tag_id from book_tags order by 1, 2'),
  };
}

async function appForeignKeys(orm: MikroORM): Promise<number> {
  const [row] = (await orm.em.getConnection().execute('pragma foreign_keys')) as { foreign_keys: number }[];
  return Number(row?.foreign_keys);
}

t.test(
  'without disableForeignKeys, a rebuild of a referenced table loses rows in other tables (the cause)',
  async (t) => {
    const { db, orm } = await seeded(t);
    const m = new Migrator({
      orm,
      revisions: [
        base,
        revisionOf('fk_author', ['fk_base'], REBUILD_AUTHOR),
        revisionOf('fk_book', ['fk_author'], REBUILD_BOOK),
      ],
      logger: memoryLogger().logger,
    });
    await m.upgrade();
    const after = await rows(db);
    t.same(
      after.book.map((b) => b.author_id),
      [null, null, null, null],
      "dropping author fired book.author_id's ON DELETE SET NULL",
    );
    t.same(after.book_tags, [], "dropping book fired book_tags' ON DELETE CASCADE");
  },
);

t.test(
  'with disableForeignKeys, rebuilding referenced tables keeps every foreign key value and every pivot row',
  async (t) => {
    const { db, orm } = await seeded(t);
    const before = await rows(db);
    t.equal(await appForeignKeys(orm), 1, "the app's connection enforces foreign keys");
    const revisions = [
      base,
      revisionOf('fk_author', ['fk_base'], REBUILD_AUTHOR, { disableForeignKeys: true }),
      revisionOf('fk_book', ['fk_author'], REBUILD_BOOK, { disableForeignKeys: true }),
    ];
    t.equal(revisions[1]!.disableForeignKeys, true, 'the field is kept by validation');
    const m = new Migrator({ orm, revisions, logger: memoryLogger().logger });
    t.same((await m.upgrade()).applied, ['fk_author', 'fk_book']);
    const after = await rows(db);
    t.same(after.book, before.book, 'every book keeps its author_id (count and values)');
    t.same(after.book_tags, before.book_tags, 'every pivot row is kept');
    t.same(after.author, before.author);
    t.same(
      await db.query("select \"notnull\" from pragma_table_info('author') where name = 'name'"),
      [{ notnull: 0 }],
      'the rebuild happened',
    );
    t.equal(await appForeignKeys(orm), 1, "foreign keys are back on on the app's connection");
    t.same(await db.query('select * from pragma_foreign_key_check'), []);
    await t.rejects(
      orm.em.getConnection().execute("insert into book (id, title, author_id) values (99, 'x', 12345)"),
      /FOREIGN KEY/,
      'and enforced on the rebuilt tables',
    );
    t.same(await db.query("select count(*) as n from sqlite_master where name like '%__temp_alter'"), [{ n: 0 }]);
  },
);

t.test(
  'a rebuild that orphans a child is rolled back with a typed error naming the table, the rowid and the parent; foreign keys are on again',
  async (t) => {
    const { db, orm } = await seeded(t);
    const before = await rows(db);
    const lossy = REBUILD_AUTHOR.map((s) => (s.startsWith('insert into') ? `${s} where id <> 2` : s));
    const m = new Migrator({
      orm,
      revisions: [base, revisionOf('fk_lossy', ['fk_base'], lossy, { disableForeignKeys: true })],
      logger: memoryLogger().logger,
    });
    const error = await m.upgrade().catch((e: unknown) => e);
    t.type(error, RevisionFailedError);
    t.match(error, { code: 'UPSHIFT_REVISION_FAILED', revisionId: 'fk_lossy', direction: 'up' });
    const cause = (error as Error).cause;
    t.type(cause, ForeignKeyViolationError);
    t.match(cause, {
      code: 'UPSHIFT_FOREIGN_KEY_VIOLATION',
      revisionIds: ['fk_lossy'],
      violations: [{ table: 'book', rowid: 11, parent: 'author' }],
    });
    t.match((error as Error).message, /table "book" rowid 11 references a missing row of "author"/);
    t.same(await rows(db), before, 'nothing committed: the author row and the rebuild are rolled back');
    t.same(await db.query("select \"notnull\" from pragma_table_info('author') where name = 'name'"), [{ notnull: 1 }]);
    t.same(await m.current(), ['fk_base']);
    t.equal(await appForeignKeys(orm), 1, 'foreign keys are back on after the failure');
  },
);

t.test('a revision that throws with foreign keys off: rolled back, foreign keys on again', async (t) => {
  const { db, orm } = await seeded(t);
  const before = await rows(db);
  const failing = defineRevision({
    id: 'fk_throws',
    parents: ['fk_base'],
    disableForeignKeys: true,
    async up({ sql }) {
      for (const s of REBUILD_AUTHOR) await sql(s);
      const [row] = await sql<{ foreign_keys: number }>('pragma foreign_keys');
      throw new Error(`failing on purpose with foreign_keys = ${row?.foreign_keys}`);
    },
  });
  const error = await new Migrator({ orm, revisions: [base, failing], logger: memoryLogger().logger })
    .upgrade()
    .catch((e: unknown) => e);
  t.type(error, RevisionFailedError);
  t.match(
    (error as Error).message,
    /failing on purpose with foreign_keys = 0/,
    'the revision ran with foreign keys off',
  );
  t.same(await rows(db), before);
  t.equal(await appForeignKeys(orm), 1);
});

t.test("transaction 'all': foreign keys off for the whole run, checked once before COMMIT", async (t) => {
  await t.test('a clean run keeps every row', async (t) => {
    const { db, orm } = await seeded(t);
    const before = await rows(db);
    // Only the second revision declares it; the first (a plain rebuild) still runs with them off.
    const revisions = [
      base,
      revisionOf('fk_author', ['fk_base'], REBUILD_AUTHOR),
      revisionOf('fk_book', ['fk_author'], REBUILD_BOOK, { disableForeignKeys: true }),
    ];
    t.same(
      (await new Migrator({ orm, revisions, logger: memoryLogger().logger, transaction: 'all' }).upgrade()).applied,
      ['fk_author', 'fk_book'],
    );
    const after = await rows(db);
    t.same(after.book, before.book);
    t.same(after.book_tags, before.book_tags);
    t.equal(await appForeignKeys(orm), 1);
  });
  await t.test('an orphan anywhere in the run rolls the whole run back', async (t) => {
    const { db, orm } = await seeded(t);
    const before = await rows(db);
    const lossy = REBUILD_BOOK.map((s) => (s.startsWith('insert into') ? `${s} where id <> 12` : s));
    const revisions = [
      base,
      revisionOf('fk_author', ['fk_base'], REBUILD_AUTHOR, { disableForeignKeys: true }),
      revisionOf('fk_book', ['fk_author'], lossy),
    ];
    const m = new Migrator({ orm, revisions, logger: memoryLogger().logger, transaction: 'all' });
    const error = await m.upgrade().catch((e: unknown) => e);
    t.type(error, ForeignKeyViolationError);
    t.match(error, { revisionIds: ['fk_author'] });
    t.same(
      (error as ForeignKeyViolationError).violations.map((v) => [v.table, v.parent]).sort(),
      [
        ['book_tags', 'book'],
        ['book_tags', 'book'],
      ],
      'the two pivot rows of book 12 are named',
    );
    t.same(await rows(db), before, 'nothing of either revision committed');
    t.same(await db.query("select \"notnull\" from pragma_table_info('author') where name = 'name'"), [{ notnull: 1 }]);
    t.same(await m.current(), ['fk_base']);
    t.equal(await appForeignKeys(orm), 1);
  });
});

t.test(
  "an app that keeps foreign keys off: the setting stays off, and old violations are not the revision's",
  async (t) => {
    const { orm } = await seeded(t);
    await orm.em.getConnection().execute('pragma foreign_keys = off');
    await orm.em.getConnection().execute("insert into book (id, title, author_id) values (50, 'orphan', 777)");
    const m = new Migrator({
      orm,
      revisions: [base, revisionOf('fk_author', ['fk_base'], REBUILD_AUTHOR, { disableForeignKeys: true })],
      logger: memoryLogger().logger,
    });
    t.same((await m.upgrade()).applied, ['fk_author']);
    t.equal(await appForeignKeys(orm), 0, 'still off');
  },
);

t.test(
  'when the pragma cannot take effect (a transaction open on the connection), the work does not run: ForeignKeysNotDisabledError',
  async (t) => {
    const { orm } = await seeded(t);
    // A transaction opened on the driver itself, past MikroORM: SQLite then ignores the pragma.
    const sqlite = (await orm.em.getConnection().getNativeClient()) as { exec(sql: string): void };
    sqlite.exec('begin');
    let ran = false;
    const error = await withForeignKeysOff(new Database(orm), ['fk_author'], async () => {
      ran = true;
    }).catch((e: unknown) => e);
    sqlite.exec('rollback');
    t.type(error, ForeignKeysNotDisabledError);
    t.match(error, { code: 'UPSHIFT_FOREIGN_KEYS_NOT_DISABLED', revisionIds: ['fk_author'] });
    t.equal(ran, false);
    t.equal(await appForeignKeys(orm), 1, 'the setting is as it was');
  },
);

t.test('disableForeignKeys is validated like transaction, and left out of the checksum', async (t) => {
  t.throws(
    () => revisionOf('fk_bad', [], [], { disableForeignKeys: 'yes' as unknown as boolean }),
    InvalidRevisionError,
  );
  t.throws(
    () => revisionOf('fk_bad', [], [], { disableForeignKeys: 'yes' as unknown as boolean }),
    /disableForeignKeys must be true, false or left out, got "yes"/,
  );
  t.equal(revisionOf('fk_default', [], []).disableForeignKeys, false, 'default false');
  const plain = revisionOf('fk_same', [], REBUILD_AUTHOR);
  const flagged = revisionOf('fk_same', [], REBUILD_AUTHOR, { disableForeignKeys: true });
  t.equal(checksumOf(flagged), checksumOf(plain), 'adding the flag to an applied revision does not read as an edit');
});

onPostgres('PostgreSQL ignores disableForeignKeys: the revision runs as any other', async (t, db) => {
  const orm = await db.orm();
  const revisions = [
    revisionOf(
      'fk_pg1',
      [],
      [
        'create table p (id int primary key)',
        'create table c (id int primary key, p_id int references p (id) on delete set null)',
      ],
    ),
    revisionOf('fk_pg2', ['fk_pg1'], ['alter table p add column name text'], { disableForeignKeys: true }),
  ];
  await new Migrator({ orm, revisions: revisions.slice(0, 1), logger: memoryLogger().logger }).upgrade();
  await db.query('insert into p values (1)');
  await db.query('insert into c values (1, 1)');
  t.same((await new Migrator({ orm, revisions, logger: memoryLogger().logger }).upgrade()).applied, ['fk_pg2']);
  t.same(await db.query('select id, p_id from c'), [{ id: 1, p_id: 1 }]);
});
