import { UpshiftError } from './base.ts';

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
