import { CLEANUP_MS, within } from './deadline.ts';
import { asUpshiftError, classify } from './driver-errors.ts';
import type { HeldLock } from './dialect/dialect.ts';
import type { WaitingReader } from './lock.ts';
import type { Runtime } from './runtime.ts';
import { refreshStateRow } from './state-row.ts';

/**
 * Runs `work` under upshift's lock (graphile-migrate's withAdvisoryLock is the model): acquire,
 * work, and always — after a failure too — write the state row again and let go, each bounded so
 * that a broken connection cannot keep the call from settling. `whileWaiting` reads, on the
 * waiting connection, whether the work is already done; its answer ends the wait.
 */
export async function withLock<T, W>(
  rt: Runtime,
  operation: string,
  work: (lock: HeldLock) => Promise<T>,
  whileWaiting?: (read: WaitingReader) => Promise<W | undefined>,
): Promise<{ value: T } | { abandoned: W }> {
  const got = await rt.dialect.acquire<W>({
    operation,
    timeoutMs: rt.options.lockTimeoutMs,
    logger: rt.logger,
    ...(whileWaiting ? { whileWaiting } : {}),
  });
  if ('abandoned' in got) return got;
  let value: T;
  let lost: unknown;
  try {
    value = await work(got.lock);
  } finally {
    // Whatever the work wrote, the triggers deleted the state row with it; it is written again
    // before anyone waiting for the lock goes on, from what the table holds.
    lost = await refreshState(rt);
    await within(got.lock.release(), CLEANUP_MS, () => new Error('release timed out')).catch(() => undefined);
  }
  // The work succeeded, but into a database file that is no longer where the app will open it.
  if (lost)
    throw asUpshiftError(
      operation,
      'writing the state row after the work was done (what it wrote went into a file that no longer exists at its path)',
      lost,
    );
  return { value };
}

/**
 * Writes the state row again. Never fails the operation, and never waits long: without the row
 * the next boot reads the whole table, which is slower, not wrong. A state table dropped by hand
 * is created again under the lock. Returns the error when the database file turned out to be
 * deleted or moved (SQLite), which the caller must report.
 */
export async function refreshState(rt: Runtime, { createMissing = false } = {}): Promise<unknown> {
  try {
    const tables = await rt.dialect.locate();
    const outcome = await within(
      refreshStateRow(rt.db, rt.dialect, tables),
      CLEANUP_MS,
      () => new Error(`no answer within ${CLEANUP_MS} ms`),
    );
    if (outcome === 'busy')
      rt.logger.debug('state row not written: another instance is writing the version table, and writes it when done');
    if (outcome === 'missing' && createMissing) {
      // Reading the applied set under the lock creates upshift's tables; the release writes the row.
      await withLock(rt, 'upgrade', (lock) => lock.readApplied());
    }
  } catch (error) {
    // The one failure that is news about the work itself: a SQLite file deleted or replaced.
    if (classify(error) === 'moved') return error;
    rt.logger.warn(
      { err: error },
      'could not write the state row; the next boot reads the whole version table instead',
    );
  }
  return undefined;
}
