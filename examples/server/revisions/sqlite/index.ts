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
    id: '558d4618a299',
    parents: [],
    createdAt: '2026-11-21T18:07:18.031Z',
    checksum: 'v2:1d450af68fe1d0bb9fe0d1cbf2b3750477eac0cfa9f518a1549e925cc9ba9ea2',
    load: () => import('./558d4618a299_create_user.ts'),
  },
  {
    id: '72d0e0f73fc0',
    parents: ['558d4618a299'],
    createdAt: '2026-11-21T18:07:19.169Z',
    checksum: 'v2:f25aa5e1c19b0c12518cc639327b40088f596c88a2f10060463f94da63313582',
    load: () => import('./72d0e0f73fc0_create_post.ts'),
  },
  {
    id: '99fa90609f10',
    parents: ['72d0e0f73fc0'],
    createdAt: '2026-11-21T18:07:20.290Z',
    checksum: 'v2:d06847a8c78846f63afb2413fff8feca3a3627e324920ca4160880431a19abb6',
    load: () => import('./99fa90609f10_add_bio_to_user.ts'),
  },
  // upshift:revisions
];
