import { defineRevision } from 'upshift';

export default defineRevision({
  id: 'a1b2c3d4e5f6',
  parents: [],
  message: 'create user',
  createdAt: '2026-11-21T10:00:00.000Z',
  async up({ sql, dialect }) {
    const id = dialect === 'postgresql' ? 'serial primary key' : 'integer primary key autoincrement';
    await sql(`create table "user" ("id" ${id}, "email" varchar(255) not null, "name" varchar(255) not null)`);
    await sql('create unique index "user_email_unique" on "user" ("email")');
  },
  async down({ sql }) {
    await sql('drop table "user"');
  },
});
