// Issue 22's evolution suite on MikroORM's own EntitySchema test entities (tests/entities-schema),
// on both databases: 21 evolutions after the first revision, rows in every table.
import { mikroOrmSchema } from '../fixtures/entities/mikro-orm-schema/index.ts';
import { eachDatabase } from '../helpers/each-dialect.ts';
import { evolve, type Evolution } from './evolution/evolve.ts';

const EVOLUTIONS: Evolution[] = [
  {
    message: 'add an entity: Review4, 1:N from Book4 with on delete cascade, a NOT NULL column without default',
    change(set) {
      set.Review4 = {
        name: 'Review4',
        properties: {
          id: { type: 'integer', primary: true },
          stars: { type: 'smallint' },
          book: { kind: 'm:1', entity: 'Book4', deleteRule: 'cascade' },
        },
      };
    },
  },
  {
    message: 'a nullable column: User4.phone',
    change: (set) => void (set.User4!.properties.phone = { type: 'string', length: 30, nullable: true }),
  },
  {
    message: 'a NOT NULL column with a default: Test4.priority',
    change: (set) => void (set.Test4!.properties.priority = { type: 'integer', default: 0 }),
  },
  {
    message: 'a type change, widening: Author4.born date to datetime',
    change: (set) => void (set.Author4!.properties.born = { type: 'datetime', nullable: true }),
  },
  {
    message: 'a type change back: Author4.born datetime to date',
    drops: true,
    change: (set) => void (set.Author4!.properties.born = { type: 'date', nullable: true }),
  },
  {
    message: 'an index: Book4.title',
    change: (set) => void (set.Book4!.properties.title = { type: 'string', index: true }),
  },
  {
    message: 'a unique constraint: User4.email',
    change: (set) => void (set.User4!.properties.email = { type: 'string', unique: true }),
  },
  {
    message: 'a M:N relation: Author4.favouritePublishers',
    change: (set) =>
      void (set.Author4!.properties.favouritePublishers = { kind: 'm:n', entity: 'Publisher4', owner: true }),
  },
  {
    message: 'remove a M:N relation: Book4.tagsUnordered',
    drops: true,
    change: (set) => void delete set.Book4!.properties.tagsUnordered,
  },
  {
    message: 'an enum value: Publisher4.type gets regional',
    change: (set) =>
      void (set.Publisher4!.properties.type = { enum: true, items: ['local', 'global', 'regional'], default: 'local' }),
  },
  {
    message: 'an embeddable, inline: Publisher4.address (street, city)',
    change(set) {
      set.Address4 = {
        name: 'Address4',
        embeddable: true,
        properties: { street: { type: 'string', nullable: true }, city: { type: 'string', nullable: true } },
      };
      set.Publisher4!.properties.address = { kind: 'embedded', entity: 'Address4', nullable: true };
    },
  },
  {
    message: 'a rename: Test4.name stored as title',
    change: (set) => void (set.Test4!.properties.name = { type: 'string', nullable: true, fieldName: 'title' }),
  },
  {
    message: 'composite keys: Translation4 (book, locale)',
    change(set) {
      set.Translation4 = {
        name: 'Translation4',
        properties: {
          book: { kind: 'm:1', entity: 'Book4', primary: true },
          locale: { type: 'string', length: 5, primary: true },
          title: { type: 'string' },
        },
      };
    },
  },
  {
    message: 'a self-reference: Test4.parent',
    change: (set) => void (set.Test4!.properties.parent = { kind: 'm:1', entity: 'Test4', nullable: true }),
  },
  {
    message: 'an entity in a second schema (PostgreSQL: logs): Log4',
    change(set, dialect) {
      set.Log4 = {
        name: 'Log4',
        ...(dialect === 'postgresql' ? { schema: 'logs' } : {}),
        properties: {
          id: { type: 'integer', primary: true },
          line: { type: 'text' },
          author: { kind: 'm:1', entity: 'Author4', nullable: true },
        },
      };
    },
  },
  {
    message: 'nullable to NOT NULL: Book4.price',
    change: (set) => void (set.Book4!.properties.price = { type: 'float' }),
  },
  {
    message: 'NOT NULL to nullable: Author4.name (on SQLite a rebuild of a referenced table)',
    change: (set) => void (set.Author4!.properties.name = { type: 'string', nullable: true }),
  },
  {
    message: 'remove a column: FooBar4.blob2',
    drops: true,
    change: (set) => void delete set.FooBar4!.properties.blob2,
  },
  { message: 'remove an entity: Review4', drops: true, change: (set) => void delete set.Review4 },
  {
    message: '1:N with cascade: Book4.author on delete cascade',
    change: (set) =>
      void (set.Book4!.properties.author = { kind: 'm:1', entity: 'Author4', nullable: true, deleteRule: 'cascade' }),
  },
  {
    message: 'a default on an existing column: BookTag4.name',
    change: (set) => void (set.BookTag4!.properties.name = { type: 'string', default: 'tag' }),
  },
];

eachDatabase('evolution suite: MikroORM tests/entities-schema', async (t, db) => {
  await evolve(t, db, mikroOrmSchema, EVOLUTIONS);
});
