/**
 * The revision bundle: every revision of this app's database, oldest first. The list is static
 * (plain imports) so that bundlers and serverless builds include every revision.
 *
 * Edited by upshift/dev's revision() and merge(): keep the two marker comments.
 */
import type { Revision } from 'upshift';
import r_e7b351fbe138 from './e7b351fbe138_create_user.ts';
import r_5e2481978b9c from './5e2481978b9c_create_post.ts';
import r_b932d2c6c47c from './b932d2c6c47c_add_bio_to_user.ts';
// upshift:imports

export const revisions: readonly Revision[] = [
  r_e7b351fbe138,
  r_5e2481978b9c,
  r_b932d2c6c47c,
  // upshift:revisions
];
