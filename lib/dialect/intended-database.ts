import type { Database } from '../database.ts';

/**
 * The database the ORM is configured for, and the way back to it. MikroORM 7 creates a missing
 * database on its first connect by switching its configuration to a management database
 * (PostgreSQL: "postgres"; MariaDB/MySQL: "information_schema"), creating it, and switching back.
 * A process that loses the race to create it (another replica created it first) is left with the
 * configuration switched and connected there: upshift must never write there.
 */
export class IntendedDatabase {
  readonly #db: Database;
  /** Undefined when the configuration names no database. */
  readonly name: string | undefined;

  constructor(db: Database, managementDbName: string) {
    this.#db = db;
    this.name = intendedDatabase(db, managementDbName);
  }

  /** Whether MikroORM's configuration was switched away from the intended database. */
  get switched(): boolean {
    return this.name !== undefined && this.#db.orm.config.get('dbName') !== this.name;
  }

  /** Restores the configured database after MikroORM switched away from it, and reconnects. */
  async recover(): Promise<void> {
    if (this.switched) await this.#db.orm.reconnect({ dbName: this.name });
  }

  /** Connects the ORM if it is not yet; when it lost the race to create the database, recovers. */
  async connect(isCreateRace: (error: unknown) => boolean): Promise<void> {
    try {
      await this.#db.connection.ensureConnection();
    } catch (error) {
      if (!isCreateRace(error)) throw error;
      await this.recover();
    }
  }
}

/**
 * The database name in the ORM's configuration. When MikroORM has already switched it to the
 * management database (a lost creation race before the Migrator was made), the URL still names
 * the database the app asked for.
 */
function intendedDatabase(db: Database, defaultManagement: string): string | undefined {
  const config = db.orm.config;
  const name = config.get('dbName') as string | undefined;
  const management =
    (config.get('schemaGenerator') as { managementDbName?: string } | undefined)?.managementDbName ?? defaultManagement;
  const url = config.get('clientUrl') as string | undefined;
  const fromUrl = url ? urlDatabase(url) : undefined;
  if (name === management && fromUrl && fromUrl !== management) return fromUrl;
  return name || fromUrl;
}

function urlDatabase(url: string): string | undefined {
  try {
    const path = decodeURIComponent(new URL(url).pathname).slice(1);
    return path || undefined;
  } catch {
    return undefined;
  }
}
