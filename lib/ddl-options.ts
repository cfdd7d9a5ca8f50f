import { ConfigurationError } from './errors.ts';

/**
 * Bounds on the table locks a revision's DDL waits for (PostgreSQL; SQLite has one writer and
 * no lock queue, so it ignores them). Set on the Migrator, overridden field by field per revision.
 */
export interface DdlOptions {
  /**
   * lock_timeout of each revision's transaction (SET LOCAL), in ms; 0 turns it off. While DDL
   * waits for its lock, every later query on that table queues behind it: this bounds that stall.
   */
  lockTimeoutMs?: number;
  /** statement_timeout of each revision's transaction (SET LOCAL), in ms; 0 turns it off. */
  statementTimeoutMs?: number;
  /** How many times a revision that hit lock_timeout is rolled back and run again, with backoff and jitter. */
  retries?: number;
}

export type DdlLimits = Required<DdlOptions>;

/**
 * The defaults. 2 s of lock wait: a query stuck behind upshift's queued lock waits at most that,
 * below common HTTP and pool timeouts, and far longer than a healthy OLTP transaction holds a
 * table lock (pgroll's 500 ms gives up on tables that are merely busy; strong_migrations' 10 s
 * stalls a site for 10 s). 5 retries with exponential backoff ride out a burst of long
 * transactions, and a blocker that stays fails the deploy in about half a minute, named.
 * statement_timeout 1 h (as strong_migrations): a runaway statement ends; a longer backfill or
 * index build sets its own per revision.
 */
export const DEFAULT_DDL_LIMITS: DdlLimits = Object.freeze({
  lockTimeoutMs: 2_000,
  statementTimeoutMs: 3_600_000,
  retries: 5,
});

/** Validates `ddl` options (the Migrator's or a revision's); `where` prefixes the message. */
export function checkDdlOptions(ddl: unknown, where: string): DdlOptions | undefined {
  if (ddl === undefined) return undefined;
  if (ddl === null || typeof ddl !== 'object' || Array.isArray(ddl))
    throw new ConfigurationError(`${where}: ddl must be an object { lockTimeoutMs, statementTimeoutMs, retries }.`);
  const d = ddl as Record<string, unknown>;
  for (const key of Object.keys(d)) {
    if (!['lockTimeoutMs', 'statementTimeoutMs', 'retries'].includes(key))
      throw new ConfigurationError(
        `${where}: ddl.${key} is unknown; ddl takes lockTimeoutMs, statementTimeoutMs, retries.`,
      );
    const value = d[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0)) {
      throw new ConfigurationError(`${where}: ddl.${key} must be a whole number >= 0, got ${String(value)}.`);
    }
  }
  return { ...(d as DdlOptions) };
}

/** The limits one revision runs with: its own fields over the Migrator's over the defaults. */
export function ddlLimitsFor(base: DdlOptions | undefined, own: DdlOptions | undefined): DdlLimits {
  const pick = (key: keyof DdlOptions) => own?.[key] ?? base?.[key] ?? DEFAULT_DDL_LIMITS[key];
  return {
    lockTimeoutMs: pick('lockTimeoutMs'),
    statementTimeoutMs: pick('statementTimeoutMs'),
    retries: pick('retries'),
  };
}
