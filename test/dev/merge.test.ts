import { copyFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { defineEntity, p } from '@mikro-orm/core';
import { Migrator } from 'upshift';
import { check, merge, revision, init, UnmergedHeadsError, NothingToMergeError } from 'upshift/dev';
import { eachDialect } from '../helpers/each-dialect.ts';
import { files, loadRevisions, silent } from './load.ts';
import { workspace } from './workspace.ts';

function model(extra: Record<string, boolean>) {
  return [
    defineEntity({
      name: 'Item',
      properties: {
        id: p.integer().primary(),
        ...(extra.a ? { a: p.string().nullable() } : {}),
        ...(extra.b ? { b: p.integer().nullable() } : {}),
        ...(extra.c ? { c: p.boolean().nullable() } : {}),
      },
    }),
  ];
}

/**
 * Two developers branch from the same head and each adds a revision; git merges their files
 * and both lines of index.ts. upshift must then refuse to guess, and merge() must join them.
 */
eachDialect('several heads: a clear error, then merge() and revision() work', async (t, db) => {
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  const base = await revision({ orm: await db.orm(model({})), dir: ws.dir, message: 'base', logger: silent });
  const theirs = join(ws.root, 'theirs');
  cpSync(ws.dir, theirs, { recursive: true });

  const mine = await revision({ orm: await db.orm(model({ a: true })), dir: ws.dir, message: 'add a', logger: silent });
  const other = await revision({
    orm: await db.orm(model({ b: true })),
    dir: theirs,
    message: 'add b',
    logger: silent,
  });
  // What a git merge of the two branches yields:
  copyFileSync(other!.path, join(ws.dir, basename(other!.path)));
  const theirEntry = readFileSync(join(theirs, 'index.ts'), 'utf8')
    .split('\n')
    .find((line) => line.includes(`id: '${other!.id}'`))!;
  const index = readFileSync(join(ws.dir, 'index.ts'), 'utf8').replace(
    '  // upshift:revisions',
    `${theirEntry}\n  // upshift:revisions`,
  );
  writeFileSync(join(ws.dir, 'index.ts'), index);
  t.same(other!.parents, [base!.id]);
  t.same(mine!.parents, [base!.id]);

  const both = await db.orm(model({ a: true, b: true }));
  const listed = files(ws.dir);
  const error = await revision({ orm: both, dir: ws.dir, message: 'more', logger: silent }).catch((e: unknown) => e);
  t.ok(error instanceof UnmergedHeadsError, 'revision() refuses several heads');
  t.equal((error as UnmergedHeadsError).code, 'UPSHIFT_UNMERGED_HEADS');
  t.same([...(error as UnmergedHeadsError).heads].sort(), [mine!.id, other!.id].sort(), 'and names them');
  t.match((error as Error).message, /merge\(/, 'and tells to merge() first');
  t.same(files(ws.dir), listed, 'nothing was written');
  await t.rejects(
    check({ orm: both, revisions: await loadRevisions(ws.dir) }),
    { code: 'UPSHIFT_UNMERGED_HEADS' },
    'check() refuses several heads too',
  );

  const merged = await merge({ dir: ws.dir, message: 'merge a and b', logger: silent });
  t.same([...merged.parents].sort(), [mine!.id, other!.id].sort(), 'the merge revision has both heads as parents');
  await t.rejects(
    merge({ dir: ws.dir, message: 'again', logger: silent }),
    NothingToMergeError,
    'one head: nothing to merge',
  );

  let revisions = await loadRevisions(ws.dir);
  await check({ orm: both, revisions });
  const next = await revision({
    orm: await db.orm(model({ a: true, b: true, c: true })),
    dir: ws.dir,
    message: 'add c',
    logger: silent,
  });
  t.same(next!.parents, [merged.id], 'revision() builds on the merge');
  revisions = await loadRevisions(ws.dir);
  const orm = await db.orm(model({ a: true, b: true, c: true }));
  await check({ orm, revisions });
  const result = await new Migrator({ orm, revisions, logger: silent }).upgrade();
  t.equal(result.applied.length, 5, 'the real database takes all five revisions');
  t.same(result.current, [next!.id]);
});

eachDialect('merge() of named heads, and bad heads', async (t, db) => {
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  await revision({ orm: await db.orm(model({})), dir: ws.dir, message: 'base', logger: silent });
  await t.rejects(merge({ dir: ws.dir, message: 'm', heads: ['zzzz_not_there'] }), { code: 'UPSHIFT_UNKNOWN_TARGET' });
  const revisions = await loadRevisions(ws.dir);
  await t.rejects(merge({ dir: ws.dir, message: 'm', heads: [revisions[0]!.id] }), {
    code: 'UPSHIFT_NOTHING_TO_MERGE',
  });
});
