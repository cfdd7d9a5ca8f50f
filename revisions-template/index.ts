/**
 * The revision bundle: every revision of this app's database, oldest first. The list is static
 * (plain imports) so that bundlers and serverless builds include every revision.
 *
 * Edited by upshift/dev's revision() and merge(): keep the two marker comments.
 */
import type { Revision } from 'upshift';
// upshift:imports

export const revisions: readonly Revision[] = [
  // upshift:revisions
];
