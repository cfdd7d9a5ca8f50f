import { UpshiftError } from './errors.ts';
import type { Revision } from './revision.ts';
import { requireLeanUmzug, type UmzugModule } from './umzug-loader.ts';

/**
 * umzug, and only what upshift uses of it: its loop over the plan. upshift hands umzug the plan
 * it decided and a storage that reports what is applied; each of umzug's steps runs a whole unit
 * of work (the revision and its version row in one transaction), because umzug calls `up()` and
 * `storage.logMigration()` as two separate steps, which cannot be atomic. Deciding what to run,
 * locking, and recording stay upshift's: umzug 3 has no lock, and re-reading the applied set
 * under one is what makes concurrent boots apply each revision once.
 */

let umzug: UmzugModule | undefined;

/**
 * Loaded on first use, when there is a revision to run, without its CLI or glob support (see
 * umzug-loader.ts): a replica whose boot finds nothing to do never loads it.
 */
function loadUmzug(): UmzugModule {
  return (umzug ??= requireLeanUmzug());
}

/**
 * Loads umzug in the background, for a caller that holds the lock and has revisions to run: the
 * load then overlaps the round trips before the first revision instead of following them, while
 * every other replica waits. Not sooner: a replica that waits for the lock may find the work
 * done and should not spend the CPU. A failure here is left to the run's own load.
 */
export function preloadUmzug(): void {
  if (umzug) return;
  setImmediate(() => {
    try {
      loadUmzug();
    } catch {
      // runSteps loads it again and reports the error there.
    }
  });
}

/**
 * Runs `step` for each revision of the plan, in order, through umzug; a step that throws stops
 * the run, and its own (typed) error is what the caller sees, not umzug's wrapper.
 */
export async function runSteps(
  direction: 'up' | 'down',
  plan: readonly Revision[],
  applied: readonly string[],
  step: (revision: Revision) => Promise<void>,
): Promise<void> {
  const { MigrationError, Umzug } = loadUmzug();
  const runner = new Umzug<object>({
    migrations: plan.map((r) => ({ name: r.id, up: () => step(r), down: () => step(r) })),
    context: {},
    storage: {
      executed: async () => [...applied],
      // The step wrote (or removed) the version row inside its own transaction already.
      logMigration: async () => undefined,
      unlogMigration: async () => undefined,
    },
    logger: undefined, // upshift logs through the app's pino logger only
  });
  const names = plan.map((r) => r.id);
  try {
    if (direction === 'up') await runner.up({ migrations: names });
    else await runner.down({ migrations: names });
  } catch (error) {
    if (error instanceof MigrationError && error.cause instanceof UpshiftError) throw error.cause;
    throw error;
  }
}
