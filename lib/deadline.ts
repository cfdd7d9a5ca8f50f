/**
 * Bounds a wait that a broken driver could make endless: taking a connection from a pool whose
 * connections were never given back (MikroORM's transactions keep a connection whose COMMIT or
 * ROLLBACK failed), a statement on a connection that no longer answers. Only waits that have no
 * effect are bounded this way; a revision's own statements, and COMMIT, never are.
 *
 * After the deadline the caller goes on with `onTimeout()`'s error; what `work` yields later is
 * handed to `discard` (give the connection back, roll the transaction back), so nothing leaks.
 */
export function within<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => Error,
  discard?: (late: T) => unknown,
): Promise<T> {
  if (!Number.isFinite(ms)) return work;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(onTimeout());
    }, ms);
    work.then(
      (value) => {
        if (!done) {
          done = true;
          clearTimeout(timer);
          resolve(value);
        } else if (discard) {
          Promise.resolve()
            .then(() => discard(value))
            .catch(() => undefined);
        }
      },
      (error: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** How long upshift waits for a connection of the ORM's pool: like the lock, but never less than this. */
export const MIN_CONNECTION_WAIT_MS = 10_000;

/** How long a release or a state-row refresh may take before upshift gives up on it. */
export const CLEANUP_MS = 5_000;
