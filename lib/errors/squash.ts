import { UpshiftError } from './base.ts';

/**
 * The database has some, not all, of the revisions a squashed revision replaces, and the bundle
 * no longer holds the others: upshift can neither run the squashed one (its first part is
 * applied) nor finish the old ones. Nothing is recorded or run.
 */
export class SquashHalfwayError extends UpshiftError {
  readonly squashed: string;
  readonly applied: string[];
  readonly missing: string[];
  constructor(squashed: string, applied: string[], missing: string[]) {
    super(
      'UPSHIFT_SQUASH_HALFWAY',
      `The database has ${applied.length} of the revisions that the squashed revision ${squashed} replaces (up to ${applied.at(-1)}), but not ${missing.join(', ')}, which this bundle no longer holds. ` +
        'Deploy the release from before the squash first (it still has those revisions), then this one.',
    );
    this.squashed = squashed;
    this.applied = applied;
    this.missing = missing;
  }
}
