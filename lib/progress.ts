/**
 * What this process is migrating now, for a readiness probe or a health endpoint, and the
 * heartbeat a long revision logs. Kept per process: `migrationProgress()` reads no database, so
 * a probe can call it as often as it likes while upgrade() runs.
 */
import type { Logger } from 'pino';

/** How often a revision still running logs that it is. */
export const HEARTBEAT_MS = 5_000;

export interface MigrationProgress {
  revision: string;
  direction: 'up' | 'down';
  /** Whole seconds since the revision started. */
  seconds: number;
  /** "migrating revision X for N s" */
  message: string;
}

const running = new Map<symbol, { revision: string; direction: 'up' | 'down'; started: number }>();

/** The revisions this process is running now (several with several Migrators), longest first. */
export function migrationProgress(): MigrationProgress[] {
  const now = performance.now();
  return [...running.values()]
    .sort((a, b) => a.started - b.started)
    .map(({ revision, direction, started }) => {
      const seconds = Math.floor((now - started) / 1000);
      return {
        revision,
        direction,
        seconds,
        message: `${direction === 'up' ? 'migrating' : 'reverting'} revision ${revision} for ${seconds} s`,
      };
    });
}

/**
 * Marks `revision` as running while `work` runs, and logs a heartbeat every HEARTBEAT_MS until it
 * settles: an orchestrator's logs then show a long migration is alive, not hung.
 */
export async function tracked<T>(
  revision: string,
  direction: 'up' | 'down',
  logger: Logger,
  work: () => Promise<T>,
): Promise<T> {
  const key = Symbol(revision);
  const started = performance.now();
  running.set(key, { revision, direction, started });
  const timer = setInterval(() => {
    const seconds = Math.round((performance.now() - started) / 1000);
    logger.info({ revision, direction, seconds }, `revision ${revision} is still running after ${seconds} s`);
  }, HEARTBEAT_MS);
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
    running.delete(key);
  }
}
