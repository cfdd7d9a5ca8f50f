import type { MikroORM } from '@mikro-orm/core';
import type { AppLogger } from './app-logger.ts';
import { IDENTIFIER, STATE_SUFFIX } from './dialect/dialect.ts';
import { checkDdlOptions, type DdlOptions } from './ddl-options.ts';
import { ConfigurationError } from './errors.ts';
import type { RevisionEntry } from './lazy-revision.ts';
import type { Revision } from './revision.ts';
import type { TransactionMode } from './runner.ts';
import { MIN_CONNECTION_WAIT_MS } from './deadline.ts';

export interface MigratorOptions {
  /** A MikroORM 7 instance on PostgreSQL or SQLite. */
  orm: MikroORM;
  /**
   * The bundle: every revision, usually `revisions` from revisions/index.ts. An entry is a
   * revision, or a declaration of one whose module is imported only when needed (LazyRevision).
   */
  revisions: readonly RevisionEntry[];
  /** The app's pino logger (or a child). Default: pino named "upshift" at info. */
  logger?: AppLogger;
  /**
   * Version table name, at most 57 characters. Default "upshift_revisions". The state table
   * beside it is named the same with "_state" appended.
   */
  tableName?: string;
  /** PostgreSQL schema of the version table. Default: the current schema the app's queries see. */
  schema?: string;
  /**
   * PostgreSQL: the search_path each revision runs with (`SET LOCAL search_path` at the start of
   * its transaction), and the schema `ctx.em` uses for entities declared with schema '*': how one
   * bundle of unqualified SQL migrates many tenant schemas. Default: the connection's own.
   * Refused with `transaction: false` revisions, which run on no transaction of their own.
   */
  searchPath?: string | readonly string[];
  lock?: {
    /** How long to wait for another instance before LockTimeoutError. Default 60 000. */
    timeoutMs?: number;
    /**
     * 'session' (default): a session advisory lock on one connection kept to itself, checked out of the ORM's pool (PostgreSQL).
     * 'transaction': an advisory lock held by the upgrade's single transaction, for PgBouncer-style
     * transaction pooling where a session lock is unsafe; implies transaction: 'all' and refuses
     * transaction: false revisions. On SQLite both scopes are the database's write lock.
     */
    scope?: 'session' | 'transaction';
  };
  /** 'each' (default): a transaction per revision. 'all': one for the whole run. */
  transaction?: TransactionMode;
  /** PostgreSQL: lock_timeout / statement_timeout of each revision and retries on lock_timeout (see DdlOptions). */
  ddl?: DdlOptions;
  /**
   * The database holds revisions this bundle does not know, descending from it (a newer release
   * migrated it). 'warn' (default): start, with a warning, when nothing bundled is pending; with
   * bundled revisions pending on top of the unknown ones it is DivergedError. 'error': always
   * DatabaseAheadError. 'apply': as 'warn', and also apply the pending bundled revisions on top
   * of the newer ones (a hotfix branch the newer release does not have yet); they then run on a
   * schema their author never saw: opt in only when that is known to be safe.
   */
  onDatabaseAhead?: 'warn' | 'error' | 'apply';
  /** An applied revision's source changed: log, throw, or ignore. */
  checksums?: 'warn' | 'error' | 'off';
  /**
   * The @mikro-orm/migrations table whose history the first boot takes over (see adopt.ts).
   * Default: the ORM's `migrations.tableName`, else "mikro_orm_migrations". false: never look.
   */
  adoptFrom?: string | false;
}

export interface ResolvedOptions {
  tableName: string;
  schema: string | undefined;
  searchPath: readonly string[] | undefined;
  lockTimeoutMs: number;
  lockScope: 'session' | 'transaction';
  transaction: TransactionMode;
  ddl: DdlOptions | undefined;
  onDatabaseAhead: 'warn' | 'error' | 'apply';
  checksums: 'warn' | 'error' | 'off';
  /** How long to wait for a connection of the ORM's pool: the lock timeout, and at least 10 s. */
  connectionWaitMs: number;
  /** The MikroORM migrations table to adopt from, or undefined (never). */
  adoptFrom: string | undefined;
}

/** Every option is checked here, in the constructor, before anything touches the database. */
export function resolveOptions(options: MigratorOptions): ResolvedOptions {
  if (!options || typeof options !== 'object')
    throw new ConfigurationError('new Migrator(options): options must be an object with at least { orm, revisions }.');
  if (!options.orm || typeof options.orm !== 'object' || !options.orm.em) {
    throw new ConfigurationError(
      'new Migrator(options): "orm" must be an initialized MikroORM instance (await MikroORM.init(...)).',
    );
  }
  if (!Array.isArray(options.revisions)) {
    throw new ConfigurationError(
      'new Migrator(options): "revisions" must be an array of revisions (the list exported by revisions/index.ts).',
    );
  }
  const tableName = options.tableName ?? 'upshift_revisions';
  checkIdentifier('tableName', tableName);
  if (tableName.length > 63 - STATE_SUFFIX.length) {
    // PostgreSQL would silently cut the state table's name to 63 characters: to the version
    // table's own name, for one of exactly 63.
    throw new ConfigurationError(
      `new Migrator(options): tableName "${tableName}" is ${tableName.length} characters; use at most ${63 - STATE_SUFFIX.length}, ` +
        `so that the state table beside it ("${tableName}${STATE_SUFFIX}") fits PostgreSQL's 63-character names.`,
    );
  }
  checkReserved('tableName', tableName, RESERVED_TABLE);
  const searchPath =
    options.searchPath === undefined
      ? undefined
      : typeof options.searchPath === 'string'
        ? [options.searchPath]
        : options.searchPath;
  if (searchPath !== undefined) {
    if (!Array.isArray(searchPath) || searchPath.length === 0) {
      throw new ConfigurationError(
        'new Migrator(options): searchPath must be a schema name or a non-empty list of them.',
      );
    }
    for (const schema of searchPath) checkIdentifier('searchPath', schema);
  }
  if (options.schema !== undefined) {
    checkIdentifier('schema', options.schema);
    checkReserved('schema', options.schema, RESERVED_SCHEMA);
  }
  const lockTimeoutMs = options.lock?.timeoutMs ?? 60_000;
  if (!Number.isFinite(lockTimeoutMs) || lockTimeoutMs < 0) {
    throw new ConfigurationError(
      `new Migrator(options): lock.timeoutMs must be a number of milliseconds >= 0, got ${String(lockTimeoutMs)}.`,
    );
  }
  const lockScope = oneOf('lock.scope', options.lock?.scope, ['session', 'transaction'] as const);
  if (lockScope === 'transaction' && options.transaction === 'each') {
    throw new ConfigurationError(
      'new Migrator(options): lock.scope "transaction" holds the lock only inside one transaction, so it runs every revision in one (transaction: "all"); ' +
        'remove transaction: "each" or use lock.scope "session".',
    );
  }
  return {
    tableName,
    schema: options.schema,
    searchPath: searchPath ? [...searchPath] : undefined,
    lockTimeoutMs,
    lockScope,
    transaction:
      lockScope === 'transaction' ? 'all' : oneOf('transaction', options.transaction, ['each', 'all'] as const),
    onDatabaseAhead: oneOf('onDatabaseAhead', options.onDatabaseAhead, ['warn', 'error', 'apply'] as const),
    ddl: checkDdlOptions(options.ddl, 'new Migrator(options)'),
    checksums: oneOf('checksums', options.checksums, ['warn', 'error', 'off'] as const),
    connectionWaitMs: Math.max(lockTimeoutMs, MIN_CONNECTION_WAIT_MS),
    adoptFrom: adoptFromOf(options),
  };
}

function adoptFromOf(options: MigratorOptions): string | undefined {
  if (options.adoptFrom === false) return undefined;
  const configured = (options.orm.config?.get?.('migrations') as { tableName?: string } | undefined)?.tableName;
  const table = options.adoptFrom ?? configured ?? 'mikro_orm_migrations';
  checkIdentifier('adoptFrom', table);
  return table;
}

/**
 * Revisions that must run outside a transaction, against what the options promise: checked once
 * the database is known (only some run such revisions outside one).
 */
export function checkTransactionFlags(
  options: ResolvedOptions,
  revisions: readonly Revision[],
  runsOutsideTransactions: boolean,
): void {
  const outside = revisions.find((r) => !r.transaction);
  if (!outside) return;
  if (options.searchPath && runsOutsideTransactions) {
    throw new ConfigurationError(
      `new Migrator(options): searchPath is set with SET LOCAL in each revision's transaction, but revision "${outside.id}" has transaction: false and runs outside one. ` +
        'Qualify the names in that revision and run it with a Migrator without searchPath, or make it transactional.',
    );
  }
  if (options.lockScope === 'transaction') {
    throw new ConfigurationError(
      `new Migrator(options): lock.scope "transaction" holds the lock inside the one transaction of the run, but revision "${outside.id}" has transaction: false ` +
        '(it must run outside any transaction, where that lock does not exist). Run such revisions with lock.scope "session" on a direct (not transaction-pooled) connection.',
    );
  }
  if (options.transaction === 'all' && runsOutsideTransactions) {
    throw new ConfigurationError(
      `new Migrator(options): transaction: "all" runs every revision in one transaction, but revision "${outside.id}" has transaction: false. Use transaction: "each".`,
    );
  }
}

/**
 * Names the databases keep for themselves. Unqualified, a quoted "pg_class" still resolves to
 * the catalog (pg_catalog is searched first); PostgreSQL reserves schemas named pg_*, and SQLite
 * every table named sqlite_*. Checked without regard to case: a near miss is a typo waiting.
 */
const RESERVED_TABLE = /^(pg_|sqlite_)/i;
const RESERVED_SCHEMA = /^(pg_|information_schema$)/i;

function checkReserved(option: string, value: string, reserved: RegExp): void {
  if (reserved.test(value)) {
    throw new ConfigurationError(
      `new Migrator(options): ${option} "${value}" is reserved by the database (names starting with pg_ or sqlite_${option === 'schema' ? ', and information_schema' : ''}); choose another name.`,
    );
  }
}

function checkIdentifier(option: string, value: unknown): void {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw new ConfigurationError(
      `new Migrator(options): ${option} ${JSON.stringify(value)} is not a valid identifier; use 1 to 63 characters of A-Z, a-z, 0-9 and _, not starting with a digit.`,
    );
  }
}

/** The first choice is the default. */
function oneOf<T extends string>(option: string, value: unknown, choices: readonly T[]): T {
  if (value === undefined) return choices[0]!;
  if (!choices.includes(value as T)) {
    throw new ConfigurationError(
      `new Migrator(options): ${option} must be one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${JSON.stringify(value)}.`,
    );
  }
  return value as T;
}
