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
  {
    id: 'e7b351fbe138',
    parents: [],
    createdAt: '2026-11-21T18:07:22.808Z',
    checksum: 'v2:5814a5553649266407efef1423cc3f3a7ec024d095f1c7bf9a199401944ee6f3',
    load: () => import('./e7b351fbe138_create_user.ts'),
  },
  {
    id: '5e2481978b9c',
    parents: ['e7b351fbe138'],
    createdAt: '2026-11-21T18:07:24.628Z',
    checksum: 'v2:3cb47747270e8c9e1e47154afd97eeed6eb910657f68b511438f1bca08744c3c',
    load: () => import('./5e2481978b9c_create_post.ts'),
  },
  {
    id: 'b932d2c6c47c',
    parents: ['5e2481978b9c'],
    createdAt: '2026-11-21T18:07:26.166Z',
    checksum: 'v2:0c53be20ed2b274f7ebf602b70e6d4d7cacd4259870840b2b2f40127e2e09e64',
    load: () => import('./b932d2c6c47c_add_bio_to_user.ts'),
  },
  // upshift:revisions
];
