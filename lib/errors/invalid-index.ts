import { UpshiftError } from './base.ts';

/**
 * A `transaction: false` revision ran, but an index it builds concurrently is INVALID afterwards
 * (the build failed or was cancelled, and `if not exists` kept the broken index): its version
 * row is not written, so the next upgrade runs it again, dropping and rebuilding the index.
 */
export class InvalidIndexError extends UpshiftError {
  readonly revisionId: string;
  readonly indexes: readonly string[];
  constructor(revisionId: string, indexes: readonly string[]) {
    super(
      'UPSHIFT_INVALID_INDEX',
      `Revision "${revisionId}" (transaction: false) left INVALID index(es) ${indexes.map((i) => `"${i}"`).join(', ')}: a concurrent build failed and the index is not used by queries. ` +
        'The revision is not recorded; run the upgrade again: upshift drops an INVALID index before the statement that builds it (DROP INDEX CONCURRENTLY) and rebuilds it. ' +
        'If it fails again, look for what cancels the build (a deadlock, a unique violation, statement_timeout).',
    );
    this.revisionId = revisionId;
    this.indexes = indexes;
  }
}
