import { UpshiftError } from './base.ts';

/**
 * A revision that cannot be rendered as an offline script: it reads what a query returns or uses
 * `ctx.em`, neither of which exists when no database answers (Alembic's rule for offline mode).
 */
export class OfflineUnsupportedError extends UpshiftError {
  readonly revisionId: string;

  constructor(revisionId: string, what: string) {
    super(
      'OFFLINE_UNSUPPORTED',
      `Revision "${revisionId}" cannot be rendered as SQL offline: it ${what}. An offline script only holds statements whose effect does not depend on an answer; ` +
        'apply this revision with upgrade()/downgrade() against the database, or rewrite it to send its statements without reading results.',
    );
    this.revisionId = revisionId;
  }
}
