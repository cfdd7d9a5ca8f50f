import type { MikroORM } from '@mikro-orm/core';
import type { Database } from '../database.ts';
import { ConfigurationError } from '../errors.ts';
import type { Dialect, Refusable } from './dialect.ts';
import { PostgreSqlDialect } from './postgresql/dialect.ts';
import type { Registry } from './postgresql/tenant-registry.ts';
import { SqliteDialect } from './sqlite/dialect.ts';
import { MariaDbDialect } from './mariadb/dialect.ts';

export interface DialectOptions {
  name: string;
  schema: string | undefined;
  lockScope: 'session' | 'transaction';
  searchPath?: readonly string[] | undefined;
  /** Tenants (PostgreSQL): the registry of all tenants' state digests. */
  registry?: Registry | undefined;
}

/** The database family of an ORM, from its platform class (by name, along the prototype chain). */
export function platformOf(orm: MikroORM): 'postgresql' | 'sqlite' | 'mysql' | undefined {
  for (
    let proto = Object.getPrototypeOf(orm.em.getPlatform());
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    const name = (proto.constructor as { name: string }).name;
    if (/PostgreSqlPlatform$/.test(name)) return 'postgresql';
    if (name === 'SqlitePlatform') return 'sqlite';
    if (name === 'MySqlPlatform' || name === 'MariaDbPlatform') return 'mysql';
  }
  return undefined;
}

/**
 * Picks the dialect from the ORM's platform class: by name, so that the runtime does not import
 * @mikro-orm/sql (import cost), and along the prototype chain, so that subclasses still match.
 */
export function createDialect(orm: MikroORM, db: Database, options: DialectOptions): Dialect {
  const platform = platformOf(orm);
  if (platform === 'postgresql')
    return new PostgreSqlDialect(db, options, {
      lockScope: options.lockScope,
      searchPath: options.searchPath,
      registry: options.registry,
    });
  if (platform === 'sqlite') {
    if (options.schema !== undefined || options.searchPath !== undefined) {
      throw new ConfigurationError(
        `new Migrator(options): the "${options.schema !== undefined ? 'schema' : 'searchPath'}" option is for PostgreSQL; SQLite has no schemas. Remove it.`,
      );
    }
    return new SqliteDialect(db, options.name);
  }
  if (platform === 'mysql') {
    if (options.schema !== undefined || options.searchPath !== undefined) {
      throw new ConfigurationError(
        `new Migrator(options): the "${options.schema !== undefined ? 'schema' : 'searchPath'}" option is for PostgreSQL; on MariaDB/MySQL a schema is a database: set the ORM's dbName instead. Remove it.`,
      );
    }
    if (options.lockScope === 'transaction') {
      throw new ConfigurationError(
        'new Migrator(options): lock.scope "transaction" is for PostgreSQL behind a transaction-pooling proxy; on MariaDB/MySQL the lock is GET_LOCK on a connection of its own. Remove it.',
      );
    }
    return new MariaDbDialect(db, options.name);
  }
  throw new ConfigurationError(
    `new Migrator(options): upshift supports PostgreSQL, SQLite and MariaDB/MySQL, but this ORM uses ${orm.em.getPlatform().constructor.name}.`,
  );
}

/** ConfigurationError when the dialect cannot do `what` honestly (Dialect.refuses), before any statement. */
export function refuseIfUnsupported(dialect: Dialect, what: Refusable, call: string): void {
  const reason = dialect.refuses?.[what];
  if (reason)
    throw new ConfigurationError(
      `${call}: not available on ${dialect.name === 'mariadb' ? 'MariaDB/MySQL' : dialect.name}: ${reason}.`,
    );
}
