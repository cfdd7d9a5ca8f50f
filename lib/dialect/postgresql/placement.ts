import { ConfigurationError, WrongDatabaseError } from '../../errors.ts';
import type { Database } from '../../database.ts';
import { quoteIdentifier, STATE_SUFFIX, type Tables } from '../dialect.ts';
import { IntendedDatabase } from '../intended-database.ts';

/** Where upshift's tables are on PostgreSQL, and in which database, checked. */
export interface Location {
  readonly database: string;
  readonly schema: string;
  readonly tables: Tables;
}

/**
 * Finds, once, where upshift's tables are, on a connection of the ORM's own (so the app's
 * connection hooks and search_path apply), and checks that it is the database the ORM is
 * configured for. Every name upshift sends afterwards is qualified with that schema, so a
 * connection the hooks never ran on (a pool's raw connection, the lock's own) resolves it the same.
 *
 * The database the ORM is configured for is taken when the Migrator is made. MikroORM 7 creates a
 * missing database on its first connect by switching its configuration to the maintenance
 * database; a process that loses the race to create it is left connected there, with the
 * configuration still switched. upshift then restores the configuration and reconnects (the
 * database exists by then); any other mismatch is a WrongDatabaseError, before any write.
 */
export class Placement {
  readonly #db: Database;
  readonly #name: string;
  readonly #schema: string | undefined;
  readonly #intended: IntendedDatabase;
  #located: Promise<Location> | undefined;

  constructor(db: Database, table: { name: string; schema: string | undefined }) {
    this.#db = db;
    this.#name = table.name;
    this.#schema = table.schema;
    this.#intended = new IntendedDatabase(db, 'postgres');
  }

  /** The database the ORM is configured for (undefined when its configuration names none). */
  get intended(): string | undefined {
    return this.#intended.name;
  }

  /** The version table's own name, unquoted. */
  get tableName(): string {
    return this.#name;
  }

  /** The schema, when it is known without asking the database (the `schema` option). */
  get knownSchema(): string | undefined {
    return this.#schema;
  }

  tablesIn(schema: string | undefined): Tables {
    const qualified = (table: string) =>
      schema === undefined ? quoteIdentifier(table) : `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
    return { table: qualified(this.#name), stateTable: qualified(this.#name + STATE_SUFFIX) };
  }

  locate(): Promise<Location> {
    this.#located ??= this.#locate();
    // A failure (the database was unreachable) is not remembered: the next call asks again.
    this.#located.catch(() => (this.#located = undefined));
    return this.#located;
  }

  /**
   * Connects the ORM if it is not yet, recovering from a lost race to create the database.
   * A caller that sees MikroORM's error of that race itself calls recover().
   */
  connect(): Promise<void> {
    return this.#intended.connect(isCreateRace);
  }

  /** Restores the configured database after MikroORM switched away from it, and reconnects. */
  recover(): Promise<void> {
    return this.#intended.recover();
  }

  async #locate(): Promise<Location> {
    await this.connect();
    let row = await this.#where();
    const intended = this.#intended.name;
    if (intended !== undefined && row.database !== intended) {
      const switched = this.#intended.switched;
      if (switched) {
        await this.recover();
        row = await this.#where();
      }
      if (row.database !== intended) {
        throw new WrongDatabaseError(
          intended,
          row.database,
          switched ? ' (MikroORM had switched its configuration to it, and reconnecting did not help)' : '',
        );
      }
    }
    const schema = this.#schema ?? row.schema;
    if (schema === null) {
      throw new ConfigurationError(
        `upshift: the connection's search_path names no schema that exists in database "${row.database}", so there is nowhere to create the version table. ` +
          'Create the schema, fix search_path (or the onCreateConnection hook that sets it), or pass the schema option.',
      );
    }
    return { database: row.database, schema, tables: this.tablesIn(schema) };
  }

  async #where(): Promise<{ database: string; schema: string | null }> {
    const [row] = await this.#db.query<{ database: string; schema: string | null }>(
      'select current_database() as "database", current_schema() as "schema"',
    );
    return row!;
  }
}

/** MikroORM's CREATE DATABASE lost to another process's (unique violation on pg_database, or "already exists"). */
export function isCreateRace(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === '42P04' || (e?.code === '23505' && /pg_database/.test(String(e.message)));
}
