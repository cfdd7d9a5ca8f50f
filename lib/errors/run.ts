import { UpshiftError } from './base.ts';

/** Where a revision failed: in its own code, or when its transaction was committed. */
export type FailurePhase = 'run' | 'commit';

/**
 * A revision failed: its up() or down() threw, or the database refused its COMMIT (a deferred
 * constraint, a busy SQLite database). Its transaction was rolled back (when it had one).
 */
export class RevisionFailedError extends UpshiftError {
  readonly revisionId: string;
  readonly direction: 'up' | 'down';
  readonly phase: FailurePhase;
  /** False for a revision that ran outside a transaction: some of its statements may have taken effect. */
  readonly rolledBack: boolean;
  /**
   * When not rolled back, what was kept: 'outside' (it ran outside a transaction, nothing records
   * how far it got) or 'partly' (DDL on MariaDB/MySQL committed on its own, recorded as progress).
   */
  readonly kept: 'outside' | 'partly' | undefined;
  constructor(
    revisionId: string,
    direction: 'up' | 'down',
    cause: unknown,
    rolledBack: boolean,
    phase: FailurePhase = 'run',
    /** 'partly': some of its statements committed on their own (DDL on MariaDB/MySQL) and are recorded as progress. */
    kept: 'outside' | 'partly' = 'outside',
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'UPSHIFT_REVISION_FAILED',
      (phase === 'commit'
        ? `Revision "${revisionId}" (${direction}) could not be committed: the database refused the COMMIT: ${reason}. `
        : `Revision "${revisionId}" failed during ${direction}(): ${reason}. `) +
        (rolledBack
          ? 'Its changes were rolled back; fix the revision and run again.'
          : kept === 'partly'
            ? "MariaDB/MySQL committed its DDL statements that ran before the failure, and the progress table records how far it got: run again with the same revision to resume from the failed statement, or see RevisionNotResumableError's recovery steps if you change it."
            : 'It ran outside a transaction (transaction: false), so some of its statements may have taken effect: inspect the database before running again.'),
      { cause },
    );
    this.revisionId = revisionId;
    this.direction = direction;
    this.phase = phase;
    this.rolledBack = rolledBack;
    this.kept = rolledBack ? undefined : kept;
  }
}

/**
 * The database or its driver failed upshift's own work (reading or writing its tables, taking a
 * connection, committing), or the connection was lost. The message says what upshift was doing,
 * what the driver said, what that usually means, and where the database was left.
 */
export class DatabaseError extends UpshiftError {
  /** The public call that failed: "upgrade", "downgrade", "stamp", "status"... */
  readonly operation: string;
  /** The revision whose unit of work was in flight, if any. */
  readonly revisionId: string | undefined;
  constructor(operation: string, message: string, cause: unknown, revisionId?: string) {
    super('UPSHIFT_DATABASE_ERROR', message, { cause });
    this.operation = operation;
    this.revisionId = revisionId;
  }
}

/** upshift found itself connected to another database than the ORM is configured for. */
export class WrongDatabaseError extends UpshiftError {
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string, detail: string) {
    super(
      'UPSHIFT_WRONG_DATABASE',
      `The ORM is configured for database "${expected}", but its connection is on "${actual}"${detail}. upshift wrote nothing. ` +
        'Check the connection settings (a proxy or pooler that maps database names must be given the real name), then start again.',
    );
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * Another process changed the version table in the other direction while this call ran (possible
 * where the lock lasts one transaction, as on SQLite): the next step is no longer valid. This call
 * stopped at a revision boundary, before that step.
 */
export class ConcurrentChangeError extends UpshiftError {
  readonly revisionId: string;
  constructor(revisionId: string, reason: string) {
    super(
      'UPSHIFT_CONCURRENT_CHANGE',
      `Stopped before revision "${revisionId}": ${reason}, by another process while this call ran. ` +
        'Nothing was half-applied: the database is at a revision boundary. Let the other operation finish, then call again.',
    );
    this.revisionId = revisionId;
  }
}

/** One row that `pragma foreign_key_check` reports: its table, rowid, and the table it should reference. */
export interface ForeignKeyViolation {
  table: string;
  /** null for a WITHOUT ROWID table. */
  rowid: number | null;
  parent: string;
}

/**
 * SQLite: revisions that ran with foreign keys off (disableForeignKeys: true) left rows whose
 * foreign key points at no row. Nothing was committed.
 */
export class ForeignKeyViolationError extends UpshiftError {
  readonly revisionIds: string[];
  readonly violations: ForeignKeyViolation[];
  constructor(revisionIds: string[], violations: ForeignKeyViolation[], more: boolean) {
    const shown = violations.map(
      (v) => `table "${v.table}" rowid ${v.rowid ?? '(without rowid)'} references a missing row of "${v.parent}"`,
    );
    super(
      'UPSHIFT_FOREIGN_KEY_VIOLATION',
      `${revisionIds.length === 1 ? `Revision "${revisionIds[0]}"` : `The revisions ${revisionIds.map((id) => `"${id}"`).join(', ')}`} ran with foreign keys off ` +
        `(disableForeignKeys: true) and would leave rows whose foreign key points at no row: ${shown.join('; ')}${more ? '; and more' : ''}. ` +
        'Everything was rolled back. Make the revision keep the referenced rows, or delete or update the referencing rows in the same revision.',
    );
    this.revisionIds = revisionIds;
    this.violations = violations;
  }
}

/** SQLite: `pragma foreign_keys = off` did not take effect (a transaction is open on the connection). */
export class ForeignKeysNotDisabledError extends UpshiftError {
  readonly revisionIds: string[];
  constructor(revisionIds: string[]) {
    super(
      'UPSHIFT_FOREIGN_KEYS_NOT_DISABLED',
      `${revisionIds.map((id) => `"${id}"`).join(', ')} must run with foreign keys off (disableForeignKeys: true), but "pragma foreign_keys = off" had no effect: ` +
        'SQLite ignores it while a transaction is open on the connection. Call upgrade() / downgrade() outside any transaction of your own.',
    );
    this.revisionIds = revisionIds;
  }
}

/** Several databases were migrated in one call (MigratorSet) and some failed; the others completed. */
export class DatabasesFailedError extends UpshiftError {
  /** Every database's outcome, by name: its result, or its error. */
  readonly results: Readonly<Record<string, { ok: true; result: unknown } | { ok: false; error: UpshiftError }>>;
  constructor(operation: string, results: DatabasesFailedError['results']) {
    const failed = Object.entries(results).filter(([, r]) => !r.ok) as [string, { ok: false; error: UpshiftError }][];
    super(
      'UPSHIFT_DATABASES_FAILED',
      `${operation}() failed on ${failed.length} of ${Object.keys(results).length} database(s): ` +
        failed.map(([name, r]) => `"${name}": ${r.error.code}: ${r.error.message}`).join('; ') +
        '. Each database has its own lock and version table: the others completed, and each failed one is where its own error says.',
      { cause: failed[0]?.[1].error },
    );
    this.results = results;
  }
}
