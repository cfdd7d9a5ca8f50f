/**
 * The revision bundle: every revision of this app's database, oldest first. The list is static
 * (plain imports) so that bundlers and serverless builds include every revision.
 *
 * Edited by upshift/dev's revision() and merge(): keep the two marker comments.
 */
import type { Revision } from 'upshift';
import r_558d4618a299 from './558d4618a299_create_user.ts';
import r_72d0e0f73fc0 from './72d0e0f73fc0_create_post.ts';
import r_99fa90609f10 from './99fa90609f10_add_bio_to_user.ts';
// upshift:imports

export const revisions: readonly Revision[] = [
  r_558d4618a299,
  r_72d0e0f73fc0,
  r_99fa90609f10,
  // upshift:revisions
];
