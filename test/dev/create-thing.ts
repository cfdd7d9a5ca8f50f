import { defineRevision } from 'upshift';

/**
 * A hand-written first revision creating the table `thing` (id, label) on PostgreSQL or SQLite,
 * with its down: tests of check() put their own revisions and entities on top of it.
 */
export const createThing = defineRevision({
  id: 'thing_0001',
  parents: [],
  message: 'create thing',
  async up({ sql, dialect }) {
    await sql(
      dialect === 'postgresql'
        ? 'create table "thing" ("id" serial primary key, "label" varchar(255) not null)'
        : 'create table `thing` (`id` integer not null primary key autoincrement, `label` text not null)',
    );
  },
  async down({ sql }) {
    await sql('drop table "thing"');
  },
});
