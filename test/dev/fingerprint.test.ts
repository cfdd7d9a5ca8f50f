// check() trusts an equal fingerprint to mean an equal schema, so the fingerprint must change with
// every kind of schema change a revision can make, and must not change when objects are dropped
// and created again exactly as they were (new OIDs, same schema): down() then up() does that.
import { schemaFingerprint } from '../../lib/dev/fingerprint.ts';
import type { Shadow } from '../../lib/dev/shadow.ts';
import { eachDialect, onMariadb, onPostgres, type TapTest } from '../helpers/each-dialect.ts';
import type { AnyDialectName, TestDatabase } from '../helpers/databases.ts';

async function probe(db: TestDatabase<AnyDialectName>) {
  const orm = await db.orm([]);
  const shadow = { orm, dialect: db.dialect } as unknown as Shadow;
  const connection = orm.em.getConnection();
  return {
    fingerprint: () => schemaFingerprint(shadow),
    sql: async (...statements: string[]) => {
      for (const s of statements) await connection.execute(s);
    },
  };
}

/** Each change must move the fingerprint, and undoing it must bring it back. */
async function seesEach(
  t: TapTest,
  db: TestDatabase<AnyDialectName>,
  base: string[],
  changes: Record<string, [change: string[], undo: string[]]>,
) {
  const { fingerprint, sql } = await probe(db);
  await sql(...base);
  const original = await fingerprint();
  t.equal(await fingerprint(), original, 'stable when nothing changed');
  for (const [what, [change, undo]] of Object.entries(changes)) {
    await sql(...change);
    t.not(await fingerprint(), original, `changes with: ${what}`);
    await sql(...undo);
    t.equal(await fingerprint(), original, `back when undone: ${what}`);
  }
}

eachDialect('the schema fingerprint is the same after dropping and re-creating the same objects', async (t, db) => {
  const { fingerprint, sql } = await probe(db);
  const id = db.dialect === 'postgresql' ? 'serial primary key' : 'integer not null primary key autoincrement';
  const create = [
    `create table "author" ("id" ${id}, "name" varchar(50) not null default 'x', unique ("name"))`,
    `create table "book" ("id" ${id}, "author_id" integer not null references "author" ("id"), "title" varchar(100) null)`,
    'create index "book_title_index" on "book" ("title")',
  ];
  await sql(...create);
  const before = await fingerprint();
  await sql('drop table "book"', 'drop table "author"');
  t.not(await fingerprint(), before, 'differs without the tables');
  await sql(...create);
  t.equal(await fingerprint(), before, 'equal once re-created');
});

eachDialect('the schema fingerprint changes with each kind of change', async (t, db) => {
  await seesEach(t, db, ['create table "note" ("id" integer not null primary key, "body" varchar(50) not null)'], {
    'a table': [['create table "extra" ("id" integer not null primary key)'], ['drop table "extra"']],
    'a column': [
      ['alter table "note" add column "stamp" varchar(20) null'],
      ['alter table "note" drop column "stamp"'],
    ],
    'an index': [['create index "note_body_index" on "note" ("body")'], ['drop index "note_body_index"']],
    'a unique index': [
      ['create unique index "note_body_unique" on "note" ("body")'],
      ['drop index "note_body_unique"'],
    ],
  });
});

onPostgres('the schema fingerprint sees what only PostgreSQL can change in place', async (t, db) => {
  const partial = (bound: number) => [
    'drop index if exists "note_n_index"',
    `create index "note_n_index" on "note" ("n") where "n" > ${bound}`,
  ];
  const generated = (factor: number) => [
    'alter table "note" drop column "g"',
    `alter table "note" add column "g" integer generated always as ("n" * ${factor}) stored`,
  ];
  await seesEach(
    t,
    db,
    [
      'create table "note" ("id" integer primary key, "body" varchar(50) not null, "n" integer null, "g" integer generated always as ("n" * 2) stored)',
      ...partial(0),
    ],
    {
      'a column type': [
        ['alter table "note" alter column "body" type varchar(60)'],
        ['alter table "note" alter column "body" type varchar(50)'],
      ],
      nullability: [
        ['alter table "note" alter column "body" drop not null'],
        ['alter table "note" alter column "body" set not null'],
      ],
      'a default': [
        ['alter table "note" alter column "n" set default 1'],
        ['alter table "note" alter column "n" drop default'],
      ],
      "a generated column's expression": [generated(3), generated(2)],
      'a column comment': [[`comment on column "note"."body" is 'text'`], ['comment on column "note"."body" is null']],
      'a table comment': [[`comment on table "note" is 'notes'`], ['comment on table "note" is null']],
      'a unique constraint': [
        ['alter table "note" add constraint "note_body_unique" unique ("body")'],
        ['alter table "note" drop constraint "note_body_unique"'],
      ],
      'a check constraint': [
        ['alter table "note" add constraint "note_n_check" check ("n" > 0)'],
        ['alter table "note" drop constraint "note_n_check"'],
      ],
      "a constraint index's options": [
        ['alter index "note_pkey" set (fillfactor = 70)'],
        ['alter index "note_pkey" reset (fillfactor)'],
      ],
      'an index predicate': [partial(1), partial(0)],
      'an enum type': [[`create type "mood" as enum ('ok', 'sad')`], ['drop type "mood"']],
      'a sequence': [['create sequence "note_seq"'], ['drop sequence "note_seq"']],
      'a view': [['create view "note_view" as select "id" from "note"'], ['drop view "note_view"']],
    },
  );
});

onMariadb(
  'the schema fingerprint sees each kind of change MariaDB can make, and not a drop and re-create',
  async (t, db) => {
    const create = [
      "create table `author` (`id` int unsigned not null auto_increment primary key, `name` varchar(50) not null default 'x', unique (`name`))",
      'create table `book` (`id` int unsigned not null auto_increment primary key, `author_id` int unsigned not null, `title` varchar(100) null, ' +
        'constraint `book_author_id_foreign` foreign key (`author_id`) references `author` (`id`) on delete cascade)',
      'create index `book_title_index` on `book` (`title`)',
    ];
    const { fingerprint, sql } = await probe(db);
    await sql(...create);
    const before = await fingerprint();
    await sql("insert into `author` (`name`) values ('a'), ('b')");
    t.equal(await fingerprint(), before, 'rows (and the AUTO_INCREMENT counter) are not schema');
    await sql('drop table `book`', 'drop table `author`');
    t.not(await fingerprint(), before, 'differs without the tables');
    await sql(...create);
    t.equal(await fingerprint(), before, 'equal once re-created');
    await sql('drop table `book`', 'drop table `author`');

    await seesEach(
      t,
      db,
      [
        "create table `note` (`id` int not null primary key, `body` varchar(50) not null, `n` int null, `mood` enum('ok', 'sad') not null default 'ok', " +
          '`g` int as (`n` * 2) stored)',
        'create table `other` (`id` int not null primary key, `note_id` int null)',
      ],
      {
        'a table': [['create table `extra` (`id` int not null primary key)'], ['drop table `extra`']],
        'a column': [['alter table `note` add `stamp` varchar(20) null'], ['alter table `note` drop column `stamp`']],
        'a column type': [
          ['alter table `note` modify `body` varchar(60) not null'],
          ['alter table `note` modify `body` varchar(50) not null'],
        ],
        signedness: [['alter table `note` modify `n` int unsigned null'], ['alter table `note` modify `n` int null']],
        nullability: [
          ['alter table `note` modify `body` varchar(50) null'],
          ['alter table `note` modify `body` varchar(50) not null'],
        ],
        'a default': [['alter table `note` alter `n` set default 1'], ['alter table `note` alter `n` drop default']],
        'an enum value': [
          ["alter table `note` modify `mood` enum('ok', 'sad', 'glad') not null default 'ok'"],
          ["alter table `note` modify `mood` enum('ok', 'sad') not null default 'ok'"],
        ],
        "a generated column's expression": [
          ['alter table `note` modify `g` int as (`n` * 3) stored'],
          ['alter table `note` modify `g` int as (`n` * 2) stored'],
        ],
        'a column comment': [
          ["alter table `note` modify `body` varchar(50) not null comment 'text'"],
          ['alter table `note` modify `body` varchar(50) not null'],
        ],
        'a table comment': [["alter table `note` comment = 'notes'"], ["alter table `note` comment = ''"]],
        'a collation': [
          ['alter table `note` modify `body` varchar(50) collate utf8mb4_bin not null'],
          ['alter table `note` modify `body` varchar(50) not null'],
        ],
        'an index': [['create index `note_body_index` on `note` (`body`)'], ['drop index `note_body_index` on `note`']],
        'an index on a prefix': [
          ['create index `note_body_index` on `note` (`body`(10))'],
          ['drop index `note_body_index` on `note`'],
        ],
        'a unique index': [
          ['create unique index `note_body_unique` on `note` (`body`)'],
          ['drop index `note_body_unique` on `note`'],
        ],
        'a check constraint': [
          ['alter table `note` add constraint `note_n_check` check (`n` > 0)'],
          ['alter table `note` drop constraint `note_n_check`'],
        ],
        'a foreign key': [
          [
            'alter table `other` add constraint `other_note_id_foreign` foreign key (`note_id`) references `note` (`id`)',
          ],
          [
            'alter table `other` drop foreign key `other_note_id_foreign`',
            'alter table `other` drop index `other_note_id_foreign`',
          ],
        ],
        'a view': [['create view `note_view` as select `id` from `note`'], ['drop view `note_view`']],
      },
    );
    // A foreign key's rule, alone: same columns, same target, another ON DELETE.
    const fk = (rule: string) => [
      'alter table `other` drop foreign key `other_note_id_foreign`',
      `alter table \`other\` add constraint \`other_note_id_foreign\` foreign key (\`note_id\`) references \`note\` (\`id\`) on delete ${rule}`,
    ];
    await sql(
      'alter table `other` add constraint `other_note_id_foreign` foreign key (`note_id`) references `note` (`id`) on delete restrict',
    );
    const restrict = await fingerprint();
    await sql(...fk('cascade'));
    t.not(await fingerprint(), restrict, "changes with: a foreign key's ON DELETE rule");
    await sql(...fk('restrict'));
    t.equal(await fingerprint(), restrict, "back when undone: a foreign key's ON DELETE rule");
  },
);
