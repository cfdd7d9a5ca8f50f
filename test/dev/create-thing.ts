import { defineRevision } from 'upshift';

/**
 * A hand-written first revision creating the table `thing` (id, label) on PostgreSQL, SQLite or MariaDB,
 * with its down: tests of check() put their own revisions and entities on top of it.
 */
export const createThing = defineRevision({
  id: 'thing_0001',
  parents: [],
  message: 'create thing',
  async up({ sql, dialect }) {
    await sql(
      {
        postgresql: 'create table "thing" ("id" serial primary key, "label" varchar(255) not null)',
        sqlite: 'create table `thing` (`id` integer not null primary key autoincrement, `label` text not null)',
        mariadb:
          'create table `thing` (`id` int unsigned not null auto_increment primary key, `label` varchar(255) not null)',
      }[dialect],
    );
  },
  async down({ sql, dialect }) {
    await sql(dialect === 'mariadb' ? 'drop table `thing`' : 'drop table "thing"');
  },
});
