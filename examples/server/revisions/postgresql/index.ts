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
  { id: 'e7b351fbe138', parents: [], createdAt: '2026-11-21T18:07:22.808Z', checksum: 'v1:72b2554ed39141c1e7d8c9c60180f9e82c00394c1858787b4ee11be430cb4b2b', load: () => import('./e7b351fbe138_create_user.ts') },
  { id: '5e2481978b9c', parents: ['e7b351fbe138'], createdAt: '2026-11-21T18:07:24.628Z', checksum: 'v1:20ab41edfff59b57f1023031196ab05a942fed2c1dc071086970f482eff30056', load: () => import('./5e2481978b9c_create_post.ts') },
  { id: 'b932d2c6c47c', parents: ['5e2481978b9c'], createdAt: '2026-11-21T18:07:26.166Z', checksum: 'v1:e00ff6c6ac12d1a6eeb2ab965db3b0f6eb68838141c61ab3d11cd2e09922cb51', load: () => import('./b932d2c6c47c_add_bio_to_user.ts') },
  // upshift:revisions
];
