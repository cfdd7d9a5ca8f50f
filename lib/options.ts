import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { IDENTIFIER, STATE_SUFFIX } from './dialect/dialect.ts';
import { ConfigurationError } from './errors.ts';
import type { RevisionEntry } from './lazy-revision.ts';
import type { TransactionMode } from './runner.ts';

export interface MigratorOptions {
  /** A MikroORM 7 instance on PostgreSQL or SQLite. */
  orm: MikroORM;
  /**
   * The bundle: every revision, usually `revisions` from revisions/index.ts. An entry is a
   * revision, or a declaration of one whose module is imported only when needed (LazyRevision).
   */
  revisions: readonly RevisionEntry[];
  /** The app's pino logger (or a child). Default: pino named "upshift" at info. */
  logger?: Logger;
  /**
   * Version table name, at most 57 characters. Default "upshift_revisions". The state table
   * beside it is named the same with "_state" appended.
   */
  tableName?: string;
  /** PostgreSQL schema of the version table. Default: the connection's current schema. */
  schema?: string;
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
  /** The database holds newer revisions descending from the bundle: log and go on, or throw. */
  onDatabaseAhead?: 'warn' | 'error';
  /** An applied revision's source changed: log, throw, or ignore. */
  checksums?: 'warn' | 'error' | 'off';
}

export interface ResolvedOptions {
  tableName: string;
  schema: string | undefined;
  lockTimeoutMs: number;
  lockScope: 'session' | 'transaction';
  transaction: TransactionMode;
  onDatabaseAhead: 'warn' | 'error';
  checksums: 'warn' | 'error' | 'off';
}

/** Every option is checked here, in the constructor, before anything touches the database. */
export function resolveOptions(options: MigratorOptions): ResolvedOptions {
  if (!options || typeof options !== 'object') throw new ConfigurationError('new Migrator(options): options must be an object with at least { orm, revisions }.');
  if (!options.orm || typeof options.orm !== 'object' || !options.orm.em) {
    throw new ConfigurationError('new Migrator(options): "orm" must be an initialized MikroORM instance (await MikroORM.init(...)).');
  }
  if (!Array.isArray(options.revisions)) {
    throw new ConfigurationError('new Migrator(options): "revisions" must be an array of revisions (the list exported by revisions/index.ts).');
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
  if (options.schema !== undefined) checkIdentifier('schema', options.schema);
  const lockTimeoutMs = options.lock?.timeoutMs ?? 60_000;
  if (!Number.isFinite(lockTimeoutMs) || lockTimeoutMs < 0) {
    throw new ConfigurationError(`new Migrator(options): lock.timeoutMs must be a number of milliseconds >= 0, got ${String(lockTimeoutMs)}.`);
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
    lockTimeoutMs,
    lockScope,
    transaction: lockScope === 'transaction' ? 'all' : oneOf('transaction', options.transaction, ['each', 'all'] as const),
    onDatabaseAhead: oneOf('onDatabaseAhead', options.onDatabaseAhead, ['warn', 'error'] as const),
    checksums: oneOf('checksums', options.checksums, ['warn', 'error', 'off'] as const),
  };
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
    throw new ConfigurationError(`new Migrator(options): ${option} must be one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${JSON.stringify(value)}.`);
  }
  return value as T;
}
