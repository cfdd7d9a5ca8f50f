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
  { id: '558d4618a299', parents: [], createdAt: '2026-11-21T18:07:18.031Z', checksum: 'v1:29f16f56373d8f2323e5f295aa5cfce0a1b90f66bbbf7dec9506f95c96aeecb0', load: () => import('./558d4618a299_create_user.ts') },
  { id: '72d0e0f73fc0', parents: ['558d4618a299'], createdAt: '2026-11-21T18:07:19.169Z', checksum: 'v1:43a15bb0390df8b722cc1f8e87d99e20f00bb61b2f40fda249b7f7774685670b', load: () => import('./72d0e0f73fc0_create_post.ts') },
  { id: '99fa90609f10', parents: ['72d0e0f73fc0'], createdAt: '2026-11-21T18:07:20.290Z', checksum: 'v1:6d5660ff8960e045c9ed81336f8afa507cd39dd6f6e4523b4e61eff14820c88e', load: () => import('./99fa90609f10_add_bio_to_user.ts') },
  // upshift:revisions
];
