import type { Logger } from 'pino';
import { ChecksumMismatchError, DatabaseAheadError, DivergedError } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import { divergedError, type DatabaseState } from './state.ts';

/**
 * What the app's options say about a database state, in one place: a diverged database is
 * refused; one ahead of the code follows onDatabaseAhead; edited revisions follow checksums.
 * `quiet`: the state was already reported once in this call (re-read under the lock).
 */
export function admit(
  state: DatabaseState,
  operation: 'upgrade' | 'downgrade',
  pending: readonly string[],
  options: ResolvedOptions,
  logger: Logger,
  quiet = false,
): void {
  if (state.relation === 'diverged') throw divergedError(state);
  if (state.relation === 'ahead') {
    if (operation === 'upgrade') {
      // Pending revisions on top of unknown ones are a divergence first: 'error' does not make them less of one.
      if (pending.length > 0 && options.onDatabaseAhead !== 'apply') throw pendingOnUnknown(state, pending);
      if (options.onDatabaseAhead === 'error') throw new DatabaseAheadError(state.unknown);
    }
    if (!quiet) {
      const also =
        operation === 'upgrade' && pending.length > 0
          ? `; applying ${pending.join(', ')} on top of them (onDatabaseAhead: "apply")`
          : '';
      logger.warn(
        { unknown: state.unknown, ...(also ? { pending } : {}) },
        `the database has ${state.unknown.length} revision(s) newer than this code (${state.unknown.join(', ')})${also || '; starting anyway (onDatabaseAhead: "warn")'}`,
      );
    }
  }
  if (state.edited.length > 0) {
    if (options.checksums === 'error') throw new ChecksumMismatchError(state.edited);
    if (options.checksums === 'warn' && !quiet) warnEdited(logger, state.edited);
  }
  if (state.outdated.length > 0 && options.checksums !== 'off' && !quiet) {
    const ids =
      state.outdated.length > 5
        ? `${state.outdated.slice(0, 5).join(', ')} and ${state.outdated.length - 5} more`
        : state.outdated.join(', ');
    logger.warn(
      { outdated: state.outdated },
      `${state.outdated.length} applied revision(s) were recorded with an older checksum format (${ids}), which upshift no longer compares: ` +
        "an edit of them goes unseen, and no boot takes the one-query path. Run `await migrator.stamp('heads')` once to record them anew.",
    );
  }
}

/**
 * The relation status() reports: 'ahead' with bundled revisions pending on top of the unknown
 * ones is a divergence, unless the app opted in to applying them.
 */
export function effectiveRelation(
  state: DatabaseState,
  pending: readonly string[],
  options: ResolvedOptions,
): DatabaseState['relation'] {
  return state.relation === 'ahead' && pending.length > 0 && options.onDatabaseAhead !== 'apply'
    ? 'diverged'
    : state.relation;
}

export function warnEdited(logger: Logger, ids: string[]): void {
  logger.warn({ edited: ids }, `applied revision(s) edited since they ran: ${ids.join(', ')} (checksums: "warn")`);
}

/**
 * Bundled revisions pending on top of revisions only a newer line of history knows: this code
 * would write into a database that line already changed, with revisions written without it.
 */
function pendingOnUnknown(state: DatabaseState, pending: readonly string[]): DivergedError {
  return new DivergedError(
    `The database holds revisions this code does not bundle (${state.unknown.join(', ')}), and this code would apply ${pending.join(', ')} on top of them: ` +
      "the database was migrated by another line of history than this code's. upshift will not mix the two: deploy code that knows both (merge the branches), " +
      'or, if running these revisions on that schema is known to be safe, set onDatabaseAhead: "apply".',
    state.unknown,
    [],
    [...pending],
  );
}
