// Issue 22's evolution suite on a real app's entities: the NestJS realworld (Conduit) example on
// MikroORM, on both databases: 21 evolutions after the first revision, rows in every table.
import { realworld } from '../fixtures/entities/realworld/index.ts';
import { eachDatabase } from '../helpers/each-dialect.ts';
import { evolve, type Evolution } from './evolution/evolve.ts';

const EVOLUTIONS: Evolution[] = [
  {
    message: 'add an entity: ArticleView, 1:N from Article with on delete cascade, a NOT NULL column without default',
    change(set) {
      set.ArticleView = {
        name: 'ArticleView',
        properties: {
          id: { type: 'integer', primary: true },
          viewedAt: { type: 'datetime' },
          ip: { type: 'string', length: 45, nullable: true },
          article: { kind: 'm:1', entity: 'Article', deleteRule: 'cascade' },
        },
      };
    },
  },
  {
    message: 'a nullable column: User.location',
    change: (set) => void (set.User!.properties.location = { type: 'string', nullable: true }),
  },
  {
    message: 'a NOT NULL column with a default: Article.status',
    change: (set) => void (set.Article!.properties.status = { type: 'string', length: 20, default: 'draft' }),
  },
  {
    message: 'a type change, widening: Article.favoritesCount to bigint',
    change: (set) => void (set.Article!.properties.favoritesCount = { type: 'bigint', default: 0 }),
  },
  {
    message: 'a type change back: Article.favoritesCount to integer',
    drops: true,
    change: (set) => void (set.Article!.properties.favoritesCount = { type: 'integer', default: 0 }),
  },
  {
    message: 'an index: Article.slug',
    change: (set) => void (set.Article!.properties.slug = { type: 'string', index: true }),
  },
  {
    message: 'a unique constraint: User.username',
    change: (set) => void (set.User!.properties.username = { type: 'string', unique: true }),
  },
  {
    message: 'a M:N relation: Article.tags to Tag',
    change: (set) => void (set.Article!.properties.tags = { kind: 'm:n', entity: 'Tag', owner: true }),
  },
  {
    message: 'remove a M:N relation: User.favorites',
    drops: true,
    change: (set) => void delete set.User!.properties.favorites,
  },
  {
    message: 'an enum: Article.status becomes draft | published',
    drops: true, // string to an enum type: existing values must be among the items
    change: (set) =>
      void (set.Article!.properties.status = {
        enum: true,
        items: ['draft', 'published', 'v1', 'v2', 'v3'],
        default: 'draft',
      }),
  },
  {
    message: 'an enum value: Article.status gets archived',
    change: (set) =>
      void (set.Article!.properties.status = {
        enum: true,
        items: ['draft', 'published', 'v1', 'v2', 'v3', 'archived'],
        default: 'draft',
      }),
  },
  {
    message: 'an embeddable stored as one JSON column: User.profile',
    change(set) {
      set.Profile = {
        name: 'Profile',
        embeddable: true,
        properties: { website: { type: 'string', nullable: true }, twitter: { type: 'string', nullable: true } },
      };
      set.User!.properties.profile = { kind: 'embedded', entity: 'Profile', object: true, nullable: true };
    },
  },
  {
    message: 'a rename: User.location stored as city',
    change: (set) => void (set.User!.properties.location = { type: 'string', nullable: true, fieldName: 'city' }),
  },
  {
    message: 'composite keys: Bookmark (user, article)',
    change(set) {
      set.Bookmark = {
        name: 'Bookmark',
        properties: {
          user: { kind: 'm:1', entity: 'User', primary: true },
          article: { kind: 'm:1', entity: 'Article', primary: true },
          note: { type: 'string', nullable: true },
        },
      };
    },
  },
  {
    message: 'a self-reference: Comment.parent (replies)',
    change: (set) => void (set.Comment!.properties.parent = { kind: 'm:1', entity: 'Comment', nullable: true }),
  },
  {
    message: 'an entity in a second schema (PostgreSQL: audit): AuditEntry',
    change(set, dialect) {
      set.AuditEntry = {
        name: 'AuditEntry',
        ...(dialect === 'postgresql' ? { schema: 'audit' } : {}),
        properties: {
          id: { type: 'integer', primary: true },
          action: { type: 'string' },
          user: { kind: 'm:1', entity: 'User', nullable: true },
        },
      };
    },
  },
  {
    message: 'NOT NULL to nullable: Article.description',
    change: (set) => void (set.Article!.properties.description = { type: 'string', default: '', nullable: true }),
  },
  {
    message: 'nullable to NOT NULL: Article.description',
    change: (set) => void (set.Article!.properties.description = { type: 'string', default: '' }),
  },
  { message: 'remove a column: User.image', drops: true, change: (set) => void delete set.User!.properties.image },
  { message: 'remove an entity: ArticleView', drops: true, change: (set) => void delete set.ArticleView },
  {
    message: '1:N with cascade: Comment.article on delete cascade',
    change: (set) => void (set.Comment!.properties.article = { kind: 'm:1', entity: 'Article', deleteRule: 'cascade' }),
  },
  {
    message: 'a default on an existing column: Tag.tag',
    change: (set) => void (set.Tag!.properties.tag = { type: 'string', default: 'misc' }),
  },
];

eachDatabase('evolution suite: the NestJS realworld app', async (t, db) => {
  await evolve(t, db, realworld, EVOLUTIONS);
});
