import { UpshiftError } from './base.ts';

/**
 * MariaDB/MySQL commit every DDL statement on its own, so a crash can leave a revision cut
 * between two statements. The progress row says how far it got; when the revision cannot be
 * resumed from there safely (it reads data, or uses ctx.em, so running its rest again could
 * decide differently, or its text changed since), upshift refuses instead of guessing.
 */
export class RevisionNotResumableError extends UpshiftError {
  readonly revisionId: string;
  /** Statements of the revision that committed before the crash (1-based count). */
  readonly completedStatements: number;
  readonly reason: string;

  constructor(revisionId: string, completedStatements: number, reason: string) {
    super(
      'UPSHIFT_REVISION_NOT_RESUMABLE',
      `Revision "${revisionId}" was interrupted after its statement ${completedStatements} committed ` +
        `(MariaDB/MySQL commit each DDL statement on their own) and cannot be resumed safely: ${reason}. ` +
        `Recovery: inspect the schema; either undo statements 1..${completedStatements} by hand, delete its row from the progress table ` +
        `and boot again (it then runs from the start), or finish the remaining statements by hand and call migrator.stamp("${revisionId}") ` +
        'then delete its progress row. upshift will not run any of its statements again until the progress row is gone.',
    );
    this.revisionId = revisionId;
    this.completedStatements = completedStatements;
    this.reason = reason;
  }
}
