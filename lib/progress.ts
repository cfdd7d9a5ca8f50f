/**
 * What this process is migrating now, for a readiness probe or a health endpoint, and the
 * heartbeat a long revision logs. Kept per process: `migrationProgress()` reads no database, so
 * a probe can call it as often as it likes while upgrade() runs. The heartbeat alone asks the
 * database (through the probe the dialect registered) what the running statement waits for.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import { within } from './deadline.ts';

/** How often a revision still running logs that it is. */
export const HEARTBEAT_MS = 5_000;
/** A heartbeat does not wait longer than this for the wait state: it is a diagnostic. */
const PROBE_MS = 1_000;
/** Statements are cut to this length in logs and in migrationProgress(). */
const STATEMENT_CHARS = 200;

export interface MigrationProgress {
  revision: string;
  direction: 'up' | 'down';
  /** Whole seconds since the revision started. */
  seconds: number;
  /** The statement the revision sent last through ctx.sql (cut to 200 characters), if any. */
  statement?: string;
  /** "migrating revision X for N s" */
  message: string;
}

/** What the database says the running statement is doing (PostgreSQL: pg_stat_activity). */
export interface WaitState {
  state: string;
  /** e.g. 'Lock' while it queues for a table lock; undefined while it runs. */
  waitEventType?: string | undefined;
  waitEvent?: string | undefined;
}

interface Running {
  revision: string;
  direction: 'up' | 'down';
  started: number;
  statement?: string;
  probe?: Probe;
  /** The probe scope the revision runs in, if any (see probeScope). */
  scope?: { probe?: Probe } | undefined;
}

const running = new Map<symbol, Running>();
const current = new AsyncLocalStorage<Running>();

/** The revisions this process is running now (several with several Migrators), longest first. */
export function migrationProgress(): MigrationProgress[] {
  const now = performance.now();
  return [...running.values()]
    .sort((a, b) => a.started - b.started)
    .map(({ revision, direction, started, statement }) => {
      const seconds = Math.floor((now - started) / 1000);
      return {
        revision,
        direction,
        seconds,
        ...(statement !== undefined && { statement }),
        message: `${direction === 'up' ? 'migrating' : 'reverting'} revision ${revision} for ${seconds} s`,
      };
    });
}

/** Called as a revision sends a statement: the heartbeat and migrationProgress() name it. */
export function noteStatement(text: string): void {
  const entry = current.getStore();
  if (entry) entry.statement = oneLine(text);
}

type Probe = () => Promise<WaitState | undefined>;
/** A transaction that spans several revisions (transaction: 'all') registers its probe before any of them runs. */
const outer = new AsyncLocalStorage<{ probe?: Probe }>();

/** Runs `work` where a probe registered by noteProbe() also serves the revisions tracked inside it. */
export function probeScope<T>(work: () => Promise<T>): Promise<T> {
  return outer.run({}, work);
}

/** Called by a dialect that knows how to ask what the statement now running waits for. */
export function noteProbe(probe: Probe): void {
  const entry = current.getStore();
  if (entry) entry.probe = probe;
  const scope = outer.getStore();
  if (scope) scope.probe = probe;
}

/**
 * Marks `revision` as running while `work` runs, and logs a heartbeat every HEARTBEAT_MS until it
 * settles, with the statement running and what it waits for: an orchestrator's logs then show a
 * long migration is alive (or queued behind a lock), not hung.
 */
export async function tracked<T>(
  revision: string,
  direction: 'up' | 'down',
  logger: Logger,
  work: () => Promise<T>,
): Promise<T> {
  const key = Symbol(revision);
  const entry: Running = { revision, direction, started: performance.now(), scope: outer.getStore() };
  running.set(key, entry);
  let beating = false;
  const timer = setInterval(() => {
    if (beating) return;
    beating = true;
    void heartbeat(entry, logger)
      .catch(() => undefined)
      .finally(() => (beating = false));
  }, HEARTBEAT_MS);
  timer.unref();
  try {
    return await current.run(entry, work);
  } finally {
    clearInterval(timer);
    running.delete(key);
  }
}

async function heartbeat(entry: Running, logger: Logger): Promise<void> {
  const seconds = Math.round((performance.now() - entry.started) / 1000);
  const { revision, direction, statement } = entry;
  const probe = entry.probe ?? entry.scope?.probe;
  let wait: WaitState | undefined;
  try {
    if (probe) wait = await within(probe(), PROBE_MS, () => new Error('no answer'));
  } catch {
    // A diagnostic: the heartbeat is logged without it.
  }
  // The revision moved on to another statement meanwhile: the answer is not about this one.
  if (entry.statement !== statement) wait = undefined;
  const waiting = wait?.waitEventType
    ? `, waiting on ${wait.waitEventType}${wait.waitEvent ? `/${wait.waitEvent}` : ''}`
    : '';
  logger.info(
    { revision, direction, seconds, ...(statement !== undefined && { statement }), ...(wait && { wait }) },
    `revision ${revision} is still running after ${seconds} s${statement ? `: ${statement}` : ''}${waiting}`,
  );
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > STATEMENT_CHARS ? `${flat.slice(0, STATEMENT_CHARS - 1)}…` : flat;
}
