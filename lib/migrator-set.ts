import type { Logger } from 'pino';
import { typed } from './driver-errors.ts';
import { ConfigurationError, DatabasesFailedError, type UpshiftError } from './errors.ts';
import { Migrator } from './migrator.ts';
import type { MigratorOptions } from './options.ts';
import type { DowngradeResult, Status, UpgradeResult } from './results.ts';

/** One database of the app: its ORM and its bundle, and any option of its own. */
export type DatabaseEntry = Pick<MigratorOptions, 'orm' | 'revisions'> &
  Partial<Omit<MigratorOptions, 'orm' | 'revisions'>>;

/** What every database shares unless its entry says otherwise. */
export type SharedOptions = Partial<Omit<MigratorOptions, 'orm' | 'revisions'>>;

/**
 * Several databases (Flask-Migrate's multidb): an app with several MikroORM instances keeps a
 * bundle per database and upgrades all of them at boot in one call. Each database has its own
 * Migrator (its own version table and lock); they run at once, and one that fails does not stop
 * the others: the call then throws DatabasesFailedError, naming each failed database, with every
 * database's outcome in `.results`.
 */
export class MigratorSet {
  readonly #migrators: Record<string, Migrator>;

  constructor(databases: Record<string, DatabaseEntry>, shared: SharedOptions = {}) {
    if (!databases || typeof databases !== 'object' || Object.keys(databases).length === 0) {
      throw new ConfigurationError(
        'new MigratorSet(databases): give at least one database, as { name: { orm, revisions } }.',
      );
    }
    this.#migrators = {};
    for (const [name, entry] of Object.entries(databases)) {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(name))
        throw new ConfigurationError(
          `new MigratorSet(databases): "${name}" is not a database name (1 to 64 of A-Z, a-z, 0-9, _ and -).`,
        );
      const logger = (entry.logger ?? shared.logger) as Logger | undefined;
      try {
        this.#migrators[name] = new Migrator({
          ...shared,
          ...entry,
          ...(logger ? { logger: logger.child({ database: name }) } : {}),
        });
      } catch (error) {
        const e = error as UpshiftError;
        throw new ConfigurationError(`new MigratorSet(databases): database "${name}": ${e.message}`);
      }
    }
  }

  /** The names of the databases, as given. */
  get names(): string[] {
    return Object.keys(this.#migrators);
  }

  /** One database's Migrator, for what concerns it alone (a downgrade, a stamp). */
  database(name: string): Migrator {
    const migrator = this.#migrators[name];
    if (!migrator)
      throw new ConfigurationError(
        `MigratorSet: no database named "${name}"; the databases are ${this.names.map((n) => `"${n}"`).join(', ')}.`,
      );
    return migrator;
  }

  /** Every database to its bundle's heads (or `target` where it names a revision of that bundle). */
  upgrade(target = 'heads'): Promise<Record<string, UpgradeResult>> {
    return this.#all('upgrade', (m) => m.upgrade(target));
  }

  downgrade(target: string): Promise<Record<string, DowngradeResult>> {
    return this.#all('downgrade', (m) => m.downgrade(target));
  }

  status(): Promise<Record<string, Status>> {
    return this.#all('status', (m) => m.status());
  }

  async #all<T>(operation: string, call: (migrator: Migrator) => Promise<T>): Promise<Record<string, T>> {
    const names = this.names;
    const settled = await Promise.all(
      names.map((name) =>
        typed(operation, call(this.#migrators[name]!)).then(
          (result) => ({ ok: true as const, result }),
          (error: UpshiftError) => ({ ok: false as const, error }),
        ),
      ),
    );
    const results = Object.fromEntries(names.map((name, i) => [name, settled[i]!]));
    if (settled.some((s) => !s.ok)) throw new DatabasesFailedError(operation, results);
    return Object.fromEntries(names.map((name, i) => [name, (settled[i] as { result: T }).result]));
  }
}
