/**
 * Every error upshift throws on purpose is an `UpshiftError` with a stable `code`, so that an
 * application can branch on `err.code` without parsing messages. Messages name the culprit and
 * the fix; fields carry the same facts for programs.
 */
export class UpshiftError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A revision module whose default export is not a valid revision. */
export class InvalidRevisionError extends UpshiftError {
  readonly revisionId: string | undefined;
  constructor(message: string, revisionId?: string) {
    super('UPSHIFT_INVALID_REVISION', message);
    this.revisionId = revisionId;
  }
}

/** Two bundled revisions share an id. */
export class DuplicateRevisionError extends UpshiftError {
  readonly revisionId: string;
  constructor(revisionId: string) {
    super(
      'UPSHIFT_DUPLICATE_REVISION',
      `Revision id "${revisionId}" appears more than once in the bundle. Give one of them a new id (and fix the parents that point to it).`,
    );
    this.revisionId = revisionId;
  }
}

/** A revision names a parent that is not in the bundle. */
export class MissingParentError extends UpshiftError {
  readonly revisionId: string;
  readonly parentId: string;
  constructor(revisionId: string, parentId: string) {
    super(
      'UPSHIFT_MISSING_PARENT',
      `Revision "${revisionId}" has parent "${parentId}", which is not in the bundle. Add the missing revision to revisions/index.ts or correct the parents of "${revisionId}".`,
    );
    this.revisionId = revisionId;
    this.parentId = parentId;
  }
}

/** The parent links form a cycle. */
export class RevisionCycleError extends UpshiftError {
  readonly revisionIds: string[];
  constructor(revisionIds: string[]) {
    super(
      'UPSHIFT_REVISION_CYCLE',
      `The parents of these revisions form a cycle: ${revisionIds.join(', ')}. A revision can only have older revisions as parents.`,
    );
    this.revisionIds = revisionIds;
  }
}

/** `head` was asked for but the bundle has several heads. */
export class MultipleHeadsError extends UpshiftError {
  readonly heads: string[];
  constructor(heads: string[]) {
    super(
      'UPSHIFT_MULTIPLE_HEADS',
      `The bundle has ${heads.length} heads (${heads.join(', ')}), so "head" is ambiguous. Use "heads", name one head's id, or merge them with merge() from upshift/dev.`,
    );
    this.heads = heads;
  }
}

/** A target that is not a known keyword, id, prefix or relative step. */
export class UnknownTargetError extends UpshiftError {
  readonly target: string;
  constructor(target: string, reason: string) {
    super('UPSHIFT_UNKNOWN_TARGET', `Cannot resolve target "${target}": ${reason}`);
    this.target = target;
  }
}

/**
 * A target that could mean more than one thing: an id prefix of several revisions, or a relative
 * step with more than one possible path (`candidates`: the revisions it could take next, one per
 * branch; `reason` says which, and how to name one).
 */
export class AmbiguousTargetError extends UpshiftError {
  readonly target: string;
  readonly candidates: string[];
  constructor(target: string, candidates: string[], reason?: string) {
    super(
      'UPSHIFT_AMBIGUOUS_TARGET',
      reason === undefined
        ? `Target "${target}" is a prefix of several revisions (${candidates.join(', ')}). Give more characters of the id.`
        : `Target "${target}" is ambiguous: ${reason}`,
    );
    this.target = target;
    this.candidates = candidates;
  }
}

/** Bad options given to `new Migrator()`. */
export class ConfigurationError extends UpshiftError {
  constructor(message: string) {
    super('UPSHIFT_CONFIGURATION', message);
  }
}

/** A downgrade would run through a revision that has no `down`. */
export class IrreversibleRevisionError extends UpshiftError {
  readonly revisionId: string;
  constructor(revisionId: string) {
    super(
      'UPSHIFT_IRREVERSIBLE_REVISION',
      `Revision "${revisionId}" has no down(), so the database cannot be downgraded through it. Add a down() to the revision, or choose a target above it.`,
    );
    this.revisionId = revisionId;
  }
}

/** Facts about the process that holds the migration lock, as far as the database tells them. */
export interface LockHolder {
  pid?: number;
  applicationName?: string;
  clientAddress?: string | null;
  since?: Date;
}

export function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return 'the holder is unknown (it may have just released the lock)';
  const parts: string[] = [];
  if (holder.pid !== undefined) parts.push(`backend pid ${holder.pid}`);
  if (holder.applicationName) parts.push(`application_name "${holder.applicationName}"`);
  if (holder.clientAddress !== undefined) parts.push(`client ${holder.clientAddress ?? 'local socket'}`);
  if (holder.since) parts.push(`since ${holder.since.toISOString()}`);
  return parts.length ? `held by ${parts.join(', ')}` : 'held by another connection';
}

/** Another instance held the migration lock for longer than `lock.timeoutMs`. */
export class LockTimeoutError extends UpshiftError {
  readonly timeoutMs: number;
  readonly holder: LockHolder | undefined;
  constructor(timeoutMs: number, holder: LockHolder | undefined, what: string) {
    super(
      'UPSHIFT_LOCK_TIMEOUT',
      `Timed out after ${timeoutMs} ms waiting for the ${what}; ${describeHolder(holder)}. ` +
        'Another instance is probably still migrating: raise lock.timeoutMs if its revisions are long, or inspect that process.',
    );
    this.timeoutMs = timeoutMs;
    this.holder = holder;
  }
}

/** The lock connection died while upshift was migrating: it stopped rather than go on unlocked. */
export class LockLostError extends UpshiftError {
  constructor(detail: string, cause?: unknown) {
    super(
      'UPSHIFT_LOCK_LOST',
      `The migration lock was lost (${detail}); upshift stopped before the next revision. The database is at a revision boundary: call upgrade() again.`,
      { cause },
    );
  }
}

/** A revision's up() or down() threw. Its transaction was rolled back (when it had one). */
export class RevisionFailedError extends UpshiftError {
  readonly revisionId: string;
  readonly direction: 'up' | 'down';
  constructor(revisionId: string, direction: 'up' | 'down', cause: unknown, rolledBack: boolean) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'UPSHIFT_REVISION_FAILED',
      `Revision "${revisionId}" failed during ${direction}(): ${reason}. ` +
        (rolledBack
          ? 'Its changes were rolled back; fix the revision and run again.'
          : 'It ran outside a transaction (transaction: false), so some of its statements may have taken effect: inspect the database before running again.'),
      { cause },
    );
    this.revisionId = revisionId;
    this.direction = direction;
  }
}

/** One row that `pragma foreign_key_check` reports: its table, rowid, and the table it should reference. */
export interface ForeignKeyViolation {
  table: string;
  /** null for a WITHOUT ROWID table. */
  rowid: number | null;
  parent: string;
}

/**
 * SQLite: revisions that ran with foreign keys off (disableForeignKeys: true) left rows whose
 * foreign key points at no row. Nothing was committed.
 */
export class ForeignKeyViolationError extends UpshiftError {
  readonly revisionIds: string[];
  readonly violations: ForeignKeyViolation[];
  constructor(revisionIds: string[], violations: ForeignKeyViolation[], more: boolean) {
    const shown = violations.map((v) => `table "${v.table}" rowid ${v.rowid ?? '(without rowid)'} references a missing row of "${v.parent}"`);
    super(
      'UPSHIFT_FOREIGN_KEY_VIOLATION',
      `${revisionIds.length === 1 ? `Revision "${revisionIds[0]}"` : `The revisions ${revisionIds.map((id) => `"${id}"`).join(', ')}`} ran with foreign keys off ` +
        `(disableForeignKeys: true) and would leave rows whose foreign key points at no row: ${shown.join('; ')}${more ? '; and more' : ''}. ` +
        'Everything was rolled back. Make the revision keep the referenced rows, or delete or update the referencing rows in the same revision.',
    );
    this.revisionIds = revisionIds;
    this.violations = violations;
  }
}

/** SQLite: `pragma foreign_keys = off` did not take effect (a transaction is open on the connection). */
export class ForeignKeysNotDisabledError extends UpshiftError {
  readonly revisionIds: string[];
  constructor(revisionIds: string[]) {
    super(
      'UPSHIFT_FOREIGN_KEYS_NOT_DISABLED',
      `${revisionIds.map((id) => `"${id}"`).join(', ')} must run with foreign keys off (disableForeignKeys: true), but "pragma foreign_keys = off" had no effect: ` +
        'SQLite ignores it while a transaction is open on the connection. Call upgrade() / downgrade() outside any transaction of your own.',
    );
    this.revisionIds = revisionIds;
  }
}

/** The database holds revisions that the bundle does not know, descending from the bundle's heads. */
export class DatabaseAheadError extends UpshiftError {
  readonly unknown: string[];
  constructor(unknown: string[], operation: 'upgrade' | 'downgrade' | 'stamp' = 'upgrade') {
    super(
      'UPSHIFT_DATABASE_AHEAD',
      operation === 'upgrade'
        ? `The database has revisions this code does not bundle (${unknown.join(', ')}); they descend from its heads, so a newer release has already migrated it. ` +
            'Deploy the newer code, or set onDatabaseAhead: "warn" to start anyway.'
        : operation === 'downgrade'
          ? `Cannot downgrade: revisions this code does not bundle (${unknown.join(', ')}) are applied on top of the revisions it would revert. ` +
            'Downgrade with the newer release that knows them first.'
          : `Cannot stamp: revisions this code does not bundle (${unknown.join(', ')}) are applied on top of the revisions the stamp would remove. ` +
            'Stamp with the newer release that knows them, or pass { purge: true } to remove their rows too.',
    );
    this.unknown = unknown;
  }
}

/** The database and the bundle disagree in a way that is not simply "older code". */
export class DivergedError extends UpshiftError {
  readonly unknown: string[];
  readonly missing: string[];
  constructor(message: string, unknown: string[], missing: string[]) {
    super('UPSHIFT_DIVERGED', message);
    this.unknown = unknown;
    this.missing = missing;
  }
}

/** Applied revisions whose source changed since they were applied. */
export class ChecksumMismatchError extends UpshiftError {
  readonly revisionIds: string[];
  constructor(revisionIds: string[]) {
    super(
      'UPSHIFT_CHECKSUM_MISMATCH',
      `Applied revisions were edited after they ran: ${revisionIds.join(', ')}. ` +
        'Revert the edit and add a new revision instead, or accept the new source with migrator.stamp("heads") (it re-records checksums).',
    );
    this.revisionIds = revisionIds;
  }
}
