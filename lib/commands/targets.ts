import { join } from 'node:path';
import type { Logger } from 'pino';
import { CommandUsageError, ConfigurationError, type UpshiftError } from '../errors.ts';
import type { DatabaseEntry, SharedOptions } from '../migrator-set.ts';
import { Migrator } from '../migrator.ts';
import type { MigratorOptions } from '../options.ts';
import type { TenantOptions } from '../tenants.ts';
import type { ParsedCommand } from './parse.ts';

/** A schema per tenant (PostgreSQL): the database's bundle is the tenants' bundle. */
export interface TenantsConfig {
  /** The tenant schemas, or a function that lists them (asked on every command). */
  schemas: TenantOptions['schemas'];
  /** How many tenants at once (default 4; each needs two of the pool's connections). */
  concurrency?: number;
}

/** What every configuration may say about where the commands write. */
interface Streams {
  /** The app's logger; default: pino at warn on `err`, so that stdout holds only the result. */
  logger?: Logger;
  /** Where results go. Default process.stdout. */
  out?: NodeJS.WritableStream;
  /** Where errors go (text mode; with --json they are the JSON result). Default process.stderr. */
  err?: NodeJS.WritableStream;
}

/** One database: a Migrator's options, its revisions folder, and its tenants if it has some. */
export interface OneDatabaseCommandOptions extends MigratorOptions, Streams {
  /** The revisions folder, for init, revision, migrate, merge and sync. */
  dir?: string;
  /** With tenants, the database commands act on tenant schemas: --tenant <schema> or --all-tenants. */
  tenants?: TenantsConfig;
  logger?: Logger;
  databases?: never;
}

/** A database of several: what MigratorSet takes, with its folder and tenants. */
export type DatabaseCommandEntry = DatabaseEntry & {
  /** Its revisions folder; default `<dir>/<name>` (the layout initDatabases() writes). */
  dir?: string;
  tenants?: TenantsConfig;
};

/** Several databases (Flask-Migrate's multidb): `--db <name>` picks one; without it, all. */
export interface SeveralDatabasesCommandOptions extends SharedOptions, Streams {
  databases: Record<string, DatabaseCommandEntry>;
  /** The root folder holding a revisions folder per database (`init` lays it out). */
  dir?: string;
  logger?: Logger;
  orm?: never;
  revisions?: never;
}

export type CommandOptions = OneDatabaseCommandOptions | SeveralDatabasesCommandOptions;

/** One database a command acts on. `name` is undefined for a one-database configuration. */
export interface Target {
  name: string | undefined;
  /** Its options as a Migrator takes them (orm and revisions may be missing: init needs neither). */
  options: MigratorOptions;
  dir: string | undefined;
  tenants: TenantsConfig | undefined;
  migrator: () => Migrator;
}

/**
 * The databases a command line acts on: the one configured, the one `--db` names, or, without
 * `--db` on several, all of them in the configuration's order. An unknown name is a usage error
 * listing the names.
 */
export function targetsOf(
  options: CommandOptions,
  command: ParsedCommand,
  logger: Logger,
): { several: boolean; targets: Target[] } {
  if (options.databases === undefined) {
    if (command.flags.db !== undefined)
      throw new CommandUsageError(
        command.name,
        `--db "${command.flags.db}": this configuration has one database; --db needs { databases: { name: { orm, revisions } } }.`,
      );
    const { dir, tenants, out: _out, err: _err, databases: _d, ...migratorOptions } = options;
    const resolved = { ...migratorOptions, logger } as MigratorOptions;
    let migrator: Migrator | undefined;
    const target = {
      name: undefined,
      options: resolved,
      dir,
      tenants,
      migrator: () => (migrator ??= new Migrator(resolved)),
    };
    return { several: false, targets: [target] };
  }
  const { databases, dir: root, out: _out, err: _err, logger: _logger, ...shared } = options;
  if (!databases || typeof databases !== 'object' || Object.keys(databases).length === 0)
    throw new ConfigurationError(
      'runCommand(argv, { databases }): give at least one database, as { name: { orm, revisions } }.',
    );
  const names = Object.keys(databases);
  const chosen = command.flags.db === undefined ? names : [command.flags.db];
  if (command.flags.db !== undefined && !Object.hasOwn(databases, command.flags.db)) {
    throw new CommandUsageError(
      command.name,
      `--db "${command.flags.db}" is not a database of this configuration; the databases are ${names.map((n) => `"${n}"`).join(', ')}.`,
    );
  }
  const targets = chosen.map((name): Target => {
    const { dir, tenants, ...entry } = databases[name]!;
    let migrator: Migrator | undefined;
    const resolved = {
      ...shared,
      ...entry,
      logger: ((entry.logger ?? logger) as Logger).child({ database: name }),
    } as MigratorOptions;
    return {
      name,
      options: resolved,
      dir: dir ?? (root === undefined ? undefined : join(root, name)),
      tenants,
      migrator: () => (migrator ??= databaseMigrator(name, resolved)),
    };
  });
  // Without --db the output has a part per database, even for one: its shape follows the configuration's.
  return { several: command.flags.db === undefined, targets };
}

/** The database's Migrator; a configuration error names the database, as MigratorSet's do. */
function databaseMigrator(name: string, options: MigratorOptions): Migrator {
  try {
    return new Migrator(options);
  } catch (error) {
    throw new ConfigurationError(
      `runCommand(argv, { databases }): database "${name}": ${(error as UpshiftError).message}`,
    );
  }
}
