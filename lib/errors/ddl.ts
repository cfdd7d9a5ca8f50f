import { UpshiftError } from './base.ts';

/** The backend that held the lock a revision's DDL waited for (from pg_blocking_pids / pg_stat_activity). */
export interface DdlBlocker {
  pid: number;
  applicationName: string;
  state: string;
  /** When the blocker's transaction began (ISO-8601), when known. */
  transactionStart: string | undefined;
  /** The blocker's last statement, cut to 200 characters. */
  query: string;
}

/** Describes a blocker for a message or a log line. */
export function describeBlocker(blocker: DdlBlocker | undefined): string {
  if (!blocker) return 'a backend that had ended by the time upshift looked (pg_blocking_pids showed none)';
  const app = blocker.applicationName ? ` application_name "${blocker.applicationName}"` : '';
  const since = blocker.transactionStart ? `, in a transaction since ${blocker.transactionStart}` : '';
  return `backend pid ${blocker.pid}${app} (${blocker.state}${since}; last statement: ${JSON.stringify(blocker.query)})`;
}

/**
 * A revision's DDL could not take its table lock within `ddl.lockTimeoutMs`, on every attempt
 * (PostgreSQL SQLSTATE 55P03). Each attempt was rolled back: nothing of the revision is applied,
 * and no query on the table waited behind it for longer than the lock timeout.
 */
export class DdlLockTimeoutError extends UpshiftError {
  readonly revisionId: string;
  readonly attempts: number;
  readonly lockTimeoutMs: number;
  readonly blocker: DdlBlocker | undefined;
  constructor(
    revisionId: string,
    attempts: number,
    lockTimeoutMs: number,
    blocker: DdlBlocker | undefined,
    cause: unknown,
  ) {
    super(
      'UPSHIFT_DDL_LOCK_TIMEOUT',
      `Revision "${revisionId}" could not lock its table within ${lockTimeoutMs} ms (lock_timeout) in ${attempts} attempt(s); it was rolled back each time and nothing of it is applied. ` +
        `It waited behind ${describeBlocker(blocker)}. ` +
        'End or shorten that transaction (pg_terminate_backend(pid) if it is stuck), or run the upgrade when the table is quieter; ' +
        'raise ddl.retries or ddl.lockTimeoutMs (on the Migrator or the revision) only if queries on that table may wait that long.',
      { cause },
    );
    this.revisionId = revisionId;
    this.attempts = attempts;
    this.lockTimeoutMs = lockTimeoutMs;
    this.blocker = blocker;
  }
}
