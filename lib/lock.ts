import type { Logger } from 'pino';
import type { Row } from './database.ts';
import { asUpshiftError } from './driver-errors.ts';
import { LockTimeoutError, describeHolder, type LockHolder } from './errors.ts';

/** Reads one row on the connection that waits for the lock. */
export type WaitingReader = (sql: string) => Promise<Row | undefined>;

export interface LockOptions<W = unknown> {
  /** The public call that waits, for messages ("upgrade"). */
  operation: string;
  /** How long to wait for another instance before LockTimeoutError. */
  timeoutMs: number;
  logger: Logger;
  /**
   * Asked between attempts, with a reader on the waiting connection: what it returns, when it
   * returns something, ends the wait (the holder has already done everything this instance came
   * for). Replicas that boot together then start as soon as the first one is done, instead of
   * each taking the lock in turn only to find nothing to do.
   */
  whileWaiting?: (read: WaitingReader) => Promise<W | undefined>;
}

/** One way of trying a lock once, without blocking: the dialects provide it. */
export interface LockAttempt {
  /** What is being waited for, for messages: "PostgreSQL advisory lock 123". */
  readonly what: string;
  tryAcquire(): Promise<boolean>;
  /** What the database knows of the current holder, if anything. */
  holder(): Promise<LockHolder | undefined>;
  /** Waits up to `ms` between attempts; may return early when the holder says it is done. */
  waitForChange?(ms: number): Promise<void>;
  /** Reads on the waiting connection; without it, whileWaiting is not asked. */
  read?: WaitingReader;
}

const FIRST_DELAY_MS = 20;
const MAX_DELAY_MS = 250;
// When the holder announces its release (PostgreSQL NOTIFY), polling is only the fallback for a
// holder that died without a word: waiters poll less, and leave the CPU to the holder.
const ANNOUNCED_FIRST_DELAY_MS = 100;
const ANNOUNCED_MAX_DELAY_MS = 1_000;
// A wait shorter than this says nothing until it ends ("acquired" / "stopped waiting", with the
// time waited). Reporting costs a query of the server's lock table in every waiter: when many
// replicas boot at once they would all send it just as the holder starts its work.
const FIRST_REPORT_AFTER_MS = 1_000;
const REPORT_EVERY_MS = 5_000;

/**
 * Polls a non-blocking attempt with jittered exponential backoff until it succeeds, the work
 * turns out to be done, or the timeout passes. Polling, not a blocking lock call, is deliberate:
 * a blocked `pg_advisory_lock` waits inside the server and deadlocks with another instance's
 * `CREATE INDEX CONCURRENTLY`, which waits for every open transaction to finish (Flyway #1654).
 * Once it has waited a second it says so, with the holder, and again every few seconds: a stuck
 * deploy explains itself. Any failure of the connection it waits on is a typed error.
 */
export async function acquireWithin<W>(
  attempt: LockAttempt,
  options: LockOptions<W>,
): Promise<{ acquired: true } | { abandoned: W }> {
  try {
    return await poll(attempt, options);
  } catch (error) {
    throw asUpshiftError(options.operation, `waiting for the ${attempt.what}`, error);
  }
}

/**
 * Waits for `lock` as acquireWithin does and hands it over only when held: when the wait ends
 * any other way (the work done by another instance, a timeout, a failure), the lock's connection
 * is released before this returns or throws, so nothing is left open.
 */
export async function acquireOrRelease<L extends LockAttempt & { release(): Promise<void> }, W>(
  lock: L,
  options: LockOptions<W>,
): Promise<{ lock: L } | { abandoned: W }> {
  let outcome: Awaited<ReturnType<typeof acquireWithin<W>>>;
  try {
    outcome = await acquireWithin(lock, options);
  } catch (error) {
    await lock.release();
    throw error;
  }
  if ('acquired' in outcome) return { lock };
  await lock.release();
  return outcome;
}

async function poll<W>(
  attempt: LockAttempt,
  { timeoutMs, logger, whileWaiting }: LockOptions<W>,
): Promise<{ acquired: true } | { abandoned: W }> {
  if (await attempt.tryAcquire()) return { acquired: true };
  const started = Date.now();
  const announced = attempt.waitForChange !== undefined;
  let delay = announced ? ANNOUNCED_FIRST_DELAY_MS : FIRST_DELAY_MS;
  let nextReport = started + FIRST_REPORT_AFTER_MS;
  for (;;) {
    const now = Date.now();
    if (now >= nextReport) {
      const holder = await attempt.holder();
      logger.info(
        { lock: attempt.what, waitedMs: now - started, holder },
        `waiting for the ${attempt.what}; ${describeHolder(holder)}`,
      );
      nextReport = now + REPORT_EVERY_MS;
    }
    const left = started + timeoutMs - Date.now();
    if (left <= 0) throw new LockTimeoutError(timeoutMs, await attempt.holder(), attempt.what);
    const pause = Math.min(left, delay * (0.5 + Math.random()));
    await (attempt.waitForChange ? attempt.waitForChange(pause) : sleep(pause));
    // Asked first: once the holder is done, taking the lock only to find nothing to do is waste.
    const seen = whileWaiting && attempt.read ? await whileWaiting(attempt.read) : undefined;
    if (seen !== undefined) {
      logger.info(
        { lock: attempt.what, waitedMs: Date.now() - started },
        `stopped waiting for the ${attempt.what}: another instance did the work`,
      );
      return { abandoned: seen };
    }
    if (await attempt.tryAcquire()) {
      logger.info({ lock: attempt.what, waitedMs: Date.now() - started }, `acquired the ${attempt.what}`);
      return { acquired: true };
    }
    delay = Math.min(announced ? ANNOUNCED_MAX_DELAY_MS : MAX_DELAY_MS, delay * 1.6);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
