import type { MikroORM } from '@mikro-orm/core';
import type { Database } from '../database.ts';
import { ConfigurationError } from '../errors.ts';
import type { Dialect, VersionTable } from './dialect.ts';
import { PostgreSqlDialect, type PostgreSqlOptions } from './postgresql.ts';
import { SqliteDialect } from './sqlite.ts';

/**
 * Picks the dialect from the ORM's platform class. By name, along the prototype chain, so that
 * the runtime does not import @mikro-orm/sql (import cost) and subclasses still match.
 */
export function createDialect(orm: MikroORM, db: Database, table: VersionTable, options: PostgreSqlOptions): Dialect {
  const names: string[] = [];
  for (let proto = Object.getPrototypeOf(orm.em.getPlatform()); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    names.push(proto.constructor.name);
  }
  if (names.some((n) => /PostgreSqlPlatform$/.test(n))) return new PostgreSqlDialect(db, table, options);
  if (names.includes('SqlitePlatform')) {
    if (table.schema !== undefined) {
      throw new ConfigurationError('new Migrator(options): the "schema" option is for PostgreSQL; SQLite has no schemas. Remove it.');
    }
    return new SqliteDialect(db, table);
  }
  throw new ConfigurationError(
    `new Migrator(options): upshift supports PostgreSQL and SQLite, but this ORM uses ${names[0] ?? 'an unknown platform'}.`,
  );
}
