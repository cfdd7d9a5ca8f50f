/**
 * The revision bundle: every revision of this app's database, oldest first. Each entry declares
 * a revision (id, parents, createdAt, checksum) and how to import its module: a boot with
 * nothing to do imports none of them, and bundlers still see every `import()`.
 *
 * Edited by upshift/dev's revision() and merge(): keep the marker comment. check() from
 * upshift/dev fails when an entry and its module disagree (say, after an edit of the module).
 */
import type { RevisionEntry } from 'upshift';

export const revisions: readonly RevisionEntry[] = [
  // upshift:revisions
];
