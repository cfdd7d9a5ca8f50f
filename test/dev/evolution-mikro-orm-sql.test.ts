// Issue 22's evolution suite on MikroORM's own SQL test entities (tests/entities-sql), on both
// databases: 22 evolutions after the first revision, each on a database holding rows in every table.
import { mikroOrmSql } from '../fixtures/entities/mikro-orm-sql/index.ts';
import { eachDatabase } from '../helpers/each-dialect.ts';
import { evolve, type Evolution } from './evolution/evolve.ts';

export const EVOLUTIONS: Evolution[] = [
  {
    message: 'add an entity: Review, 1:N from Book2 with on delete cascade, NOT NULL columns without default',
    change(set) {
      set.Review = {
        name: 'Review',
        properties: {
          id: { type: 'integer', primary: true },
          rating: { type: 'integer' },
          body: { type: 'text', nullable: true },
          book: { kind: 'm:1', entity: 'Book2', deleteRule: 'cascade' },
        },
      };
    },
  },
  {
    message: 'a nullable column: Author2.nickname',
    change: (set) => void (set.Author2!.properties.nickname = { type: 'string', nullable: true }),
  },
  {
    message: 'a NOT NULL column with a default: Publisher2.country',
    change: (set) => void (set.Publisher2!.properties.country = { type: 'string', length: 2, default: 'NL' }),
  },
  {
    message: 'a type change, widening: Sandwich.price integer to double',
    change: (set) => void (set.Sandwich!.properties.price = { type: 'double' }),
  },
  {
    message: 'a type change back: Sandwich.price double to integer',
    drops: true,
    change: (set) => void (set.Sandwich!.properties.price = { type: 'integer' }),
  },
  {
    message: 'an index: FooBaz2.code',
    // MariaDB rejects a varchar without a length (the fixture's FooBaz2.code is varchar(255) there).
    change: (set, dialect) =>
      void (set.FooBaz2!.properties.code = {
        type: 'string',
        columnType: dialect === 'mariadb' ? 'varchar(255)' : 'varchar',
        index: true,
      }),
  },
  {
    message: 'a unique constraint: Test2.name',
    change: (set) => void (set.Test2!.properties.name = { type: 'string', nullable: true, unique: true }),
  },
  {
    message: 'a M:N relation: Sandwich.tags to BookTag2',
    change: (set) =>
      void (set.Sandwich!.properties.tags = {
        kind: 'm:n',
        entity: 'BookTag2',
        owner: true,
        pivotTable: 'sandwich_tags',
      }),
  },
  {
    message: 'remove a M:N relation: Book2.tagsUnordered',
    drops: true,
    change(set) {
      delete set.Book2!.properties.tagsUnordered;
      delete set.BookTag2!.properties.booksUnordered;
    },
  },
  {
    message: 'an enum value: Publisher2.type gets regional (a CHECK; on SQLite a rebuild of a referenced table)',
    change: (set) =>
      void (set.Publisher2!.properties.type = { enum: true, items: ['local', 'global', 'regional'], default: 'local' }),
  },
  {
    message: 'an embeddable: Publisher2.location (city, zip), inline',
    change(set) {
      set.Location = {
        name: 'Location',
        embeddable: true,
        properties: { city: { type: 'string', nullable: true }, zip: { type: 'string', length: 10, nullable: true } },
      };
      set.Publisher2!.properties.location = { kind: 'embedded', entity: 'Location', nullable: true };
    },
  },
  {
    message: 'a rename: Author2.nickname stored as nick',
    change: (set) => void (set.Author2!.properties.nickname = { type: 'string', nullable: true, fieldName: 'nick' }),
  },
  {
    message: 'composite keys: Edition (book, number) and EditionNote referencing it',
    change(set) {
      set.Edition = {
        name: 'Edition',
        properties: {
          book: { kind: 'm:1', entity: 'Book2', primary: true },
          number: { type: 'integer', primary: true },
          year: { type: 'integer', nullable: true },
        },
      };
      set.EditionNote = {
        name: 'EditionNote',
        properties: {
          id: { type: 'integer', primary: true },
          edition: { kind: 'm:1', entity: 'Edition' },
          text: { type: 'string' },
        },
      };
    },
  },
  {
    message: 'a self-reference: Sandwich.parent',
    change: (set) => void (set.Sandwich!.properties.parent = { kind: 'm:1', entity: 'Sandwich', nullable: true }),
  },
  {
    message: 'an entity in a second schema (PostgreSQL: archive): ArchivedBook',
    change(set, dialect) {
      set.ArchivedBook = {
        name: 'ArchivedBook',
        ...(dialect === 'postgresql' ? { schema: 'archive' } : {}),
        properties: {
          id: { type: 'integer', primary: true },
          title: { type: 'string' },
          book: { kind: 'm:1', entity: 'Book2', nullable: true },
        },
      };
    },
  },
  {
    message: 'nullable to NOT NULL: Test2.name',
    change: (set) => void (set.Test2!.properties.name = { type: 'string', unique: true }),
  },
  {
    message: 'NOT NULL to nullable: Author2.name (on SQLite a rebuild of a much referenced table)',
    change: (set) => void (set.Author2!.properties.name = { type: 'string', nullable: true }),
  },
  {
    message: 'remove a column: Author2.optional',
    drops: true,
    change: (set) => void delete set.Author2!.properties.optional,
  },
  { message: 'remove an entity: Review', drops: true, change: (set) => void delete set.Review },
  {
    message: '1:N with cascade: Book2.publisher on delete cascade',
    change: (set) =>
      void (set.Book2!.properties.publisher = {
        kind: 'm:1',
        entity: 'Publisher2',
        nullable: true,
        deleteRule: 'cascade',
      }),
  },
  {
    message: 'a longer varchar: BookTag2.name 50 to 100',
    unchanged: ['sqlite'],
    change: (set) => void (set.BookTag2!.properties.name = { type: 'string', length: 100 }),
  },
  {
    message: 'a default on an existing column: Car2.price default 0',
    change: (set) => void (set.Car2!.properties.price = { type: 'integer', default: 0 }),
  },
];

eachDatabase('evolution suite: MikroORM tests/entities-sql', async (t, db) => {
  await evolve(t, db, (dialect) => mikroOrmSql(dialect), EVOLUTIONS);
});
