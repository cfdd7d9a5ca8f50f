import { defineRevision } from 'upshift';

export default defineRevision({
  id: 'b7c8d9e0f1a2',
  parents: ['a1b2c3d4e5f6'],
  message: 'create post',
  createdAt: '2026-11-21T10:05:00.000Z',
  async up({ sql, dialect }) {
    const id = dialect === 'postgresql' ? 'serial primary key' : 'integer primary key autoincrement';
    await sql(
      `create table "post" ("id" ${id}, "title" varchar(255) not null, ` +
        '"author_id" integer not null references "user" ("id") on update cascade)',
    );
    await sql('create index "post_author_id_index" on "post" ("author_id")');
  },
  async down({ sql }) {
    await sql('drop table "post"');
  },
});
