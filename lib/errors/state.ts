import { UpshiftError } from './base.ts';

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
  /** Bundled revisions the upgrade would have applied on top of the unknown ones. */
  readonly pending: string[];
  constructor(message: string, unknown: string[], missing: string[], pending: string[] = []) {
    super('UPSHIFT_DIVERGED', message);
    this.unknown = unknown;
    this.missing = missing;
    this.pending = pending;
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
