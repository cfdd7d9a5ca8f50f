import type { Transaction } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { Database } from '../../database.ts';
import type { DdlLimits } from '../../ddl-options.ts';
import { DdlLockTimeoutError, describeBlocker, type DdlBlocker } from '../../errors/ddl.ts';
import type { DdlGuard, StatementGuard } from '../dialect.ts';
import { noteProbe, probeScope } from '../../progress.ts';
import { OutsideStatements } from './outside-statements.ts';
import { waitStateOf } from './wait-state.ts';

/** PostgreSQL's SQLSTATE for lock_not_available: lock_timeout expired (or NOWAIT). */
const LOCK_NOT_AVAILABLE = '55P03';
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 5_000;

/**
 * Bounds the table locks a revision's DDL waits for on PostgreSQL. Each attempt's transaction
 * starts with SET LOCAL lock_timeout / statement_timeout (one statement, which also returns the
 * backend's pid); while it runs longer than half the lock timeout, the backends blocking that pid
 * are read from another connection, so that a lock_timeout names who held the lock. An attempt
 * that fails on lock_timeout was rolled back whole by the unit; it is run again after an
 * exponential backoff with full jitter (replicas retrying together do not queue together), up to
 * `retries` times, then DdlLockTimeoutError names the last blocker seen.
 */
export class PostgreSqlDdlGuard implements DdlGuard {
  readonly #db: Database;
  readonly logger: Logger;

  constructor(db: Database, logger: Logger) {
    this.#db = db;
    this.logger = logger;
  }

  outside(revisionId: string, limits: DdlLimits): StatementGuard {
    return new OutsideStatements(this.#db, this, revisionId, limits);
  }

  async retrying<T>(
    revisionId: string,
    limits: DdlLimits,
    attempt: (limit: (trx: Transaction) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    for (let n = 0; ; n++) {
      const watch = new BlockerWatch(this.#db, limits.lockTimeoutMs);
      try {
        return await probeScope(() =>
          attempt(async (trx) => {
            const [row] = await this.#db.query<{ pid: number }>(
              "select set_config('lock_timeout', ?, true), set_config('statement_timeout', ?, true), pg_backend_pid() as pid",
              [String(limits.lockTimeoutMs), String(limits.statementTimeoutMs)],
              trx,
            );
            const pid = Number(row!.pid);
            watch.start(pid);
            noteProbe(() => waitStateOf(this.#db, { pid }));
          }),
        );
      } catch (error) {
        if (!isLockTimeout(error)) throw error;
        const blocker = await watch.last();
        if (n >= limits.retries) throw new DdlLockTimeoutError(revisionId, n + 1, limits.lockTimeoutMs, blocker, error);
        const delayMs = Math.round(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** n));
        this.logger.warn(
          {
            revision: revisionId,
            attempt: n + 1,
            retries: limits.retries,
            lockTimeoutMs: limits.lockTimeoutMs,
            delayMs,
            blocker,
          },
          `revision ${revisionId} waited ${limits.lockTimeoutMs} ms (lock_timeout) for a table lock held by ${describeBlocker(blocker)}; rolled back, retrying in ${delayMs} ms (${n + 1}/${limits.retries})`,
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      } finally {
        watch.stop();
      }
    }
  }
}

/** Whether `error`, or an error it wraps, is PostgreSQL's lock_timeout. */
export function isLockTimeout(error: unknown): boolean {
  for (
    let e = error, depth = 0;
    e && typeof e === 'object' && depth < 8;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const { code, sqlState } = e as { code?: unknown; sqlState?: unknown };
    if (code === LOCK_NOT_AVAILABLE || sqlState === LOCK_NOT_AVAILABLE) return true;
    if (e instanceof Error && /canceling statement due to lock timeout/.test(e.message)) return true;
  }
  return false;
}

const BLOCKERS_SQL =
  'select pid, application_name, state, xact_start, left(query, 200) as query from pg_stat_activity ' +
  'where pid = any(pg_blocking_pids(?)) order by xact_start nulls last limit 1';

/** Polls, from a connection of the pool, the backend blocking one pid; keeps the last one seen. */
class BlockerWatch {
  readonly #db: Database;
  readonly #everyMs: number;
  #timer: NodeJS.Timeout | undefined;
  #pid: number | undefined;
  #seen: DdlBlocker | undefined;
  #pending: Promise<void> | undefined;

  constructor(db: Database, lockTimeoutMs: number) {
    this.#db = db;
    this.#everyMs = Math.max(50, Math.floor(lockTimeoutMs / 2));
  }

  start(pid: number): void {
    this.#pid = pid;
    this.#timer = setInterval(() => {
      this.#pending ??= this.#look().finally(() => (this.#pending = undefined));
    }, this.#everyMs);
    this.#timer.unref();
  }

  async #look(): Promise<void> {
    try {
      const [row] = await this.#db.query<Record<string, unknown>>(BLOCKERS_SQL, [this.#pid]);
      if (row) {
        this.#seen = {
          pid: Number(row.pid),
          applicationName: String(row.application_name ?? ''),
          state: String(row.state ?? ''),
          transactionStart: row.xact_start ? new Date(row.xact_start as string).toISOString() : undefined,
          query: String(row.query ?? ''),
        };
      }
    } catch {
      // A diagnostic: the retry or the typed error goes on without it.
    }
  }

  /** The blocker seen while the attempt waited, after any look still under way. */
  async last(): Promise<DdlBlocker | undefined> {
    this.stop();
    await this.#pending;
    return this.#seen;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
