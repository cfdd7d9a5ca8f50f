import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { defineEntity, p } from '@mikro-orm/core';
import { Migrator } from 'upshift';
import { check, init, revision, StaleDeclarationError } from 'upshift/dev';
import { checksumOf } from '../../lib/checksum.ts';
import { eachDialect } from '../helpers/each-dialect.ts';
import t from 'tap';
import { files, loadEntries, loadRevisions, silent } from './load.ts';
import { workspace } from './workspace.ts';

const Note = defineEntity({ name: 'Note', properties: { id: p.integer().primary(), body: p.string() } });

eachDialect(
  'revision() declares each module in index.ts; check() and revision() refuse an entry its module no longer matches',
  async (t, db) => {
    const ws = workspace();
    t.teardown(ws.remove);
    await init({ dir: ws.dir });
    const orm = await db.orm([Note]);
    const made = (await revision({ orm, dir: ws.dir, message: 'create note', logger: silent }))!;
    const empty = (await revision({ dir: ws.dir, message: 'data only', autogenerate: false, logger: silent }))!;

    const entries = await loadEntries(ws.dir);
    const modules = await loadRevisions(ws.dir);
    t.equal(entries.length, 2);
    for (const [i, entry] of entries.entries()) {
      t.ok('load' in entry, `entry ${i} is declared, not imported`);
      const module = modules[i]!;
      t.match(
        entry,
        { id: module.id, parents: module.parents, createdAt: module.createdAt, checksum: checksumOf(module) },
        'it declares what its module is',
      );
    }
    const index = readFileSync(join(ws.dir, 'index.ts'), 'utf8');
    t.match(index, `load: () => import('./${basename(made.path)}')`);
    t.match(index, `load: () => import('./${basename(empty.path)}')`);
    t.same((await check({ orm, revisions: entries })).revisions, 2, 'check() passes');
    const applied = await new Migrator({ orm: await db.orm([Note]), revisions: entries, logger: silent }).upgrade();
    t.same(applied.applied, [made.id, empty.id], 'the app applies the declared bundle');

    // An edit of the empty revision after it was written: its entry is now stale. (A copy of the
    // folder, since this process has imported the original modules; a test run imports afresh.)
    const copy = join(ws.root, 'edited');
    cpSync(ws.dir, copy, { recursive: true });
    const editedPath = join(copy, basename(empty.path));
    writeFileSync(
      editedPath,
      readFileSync(editedPath, 'utf8').replace(
        /async up\([^)]*\) \{/,
        "async up({ sql }) {\n    await sql('select 1');",
      ),
    );
    const edited = await loadEntries(copy);
    const error = await check({ orm, revisions: edited }).catch((e: unknown) => e);
    t.ok(error instanceof StaleDeclarationError, 'check() refuses the stale entry');
    t.match((error as StaleDeclarationError).revisions, [
      { id: empty.id, declared: (entries[1] as { checksum: string }).checksum },
    ]);
    t.match(
      (error as Error).message,
      new RegExp(
        `${empty.id}: declared "v2:[0-9a-f]{64}", the module's is "v2:[0-9a-f]{64}"[\\s\\S]*add a new revision`,
      ),
    );
    t.match((error as Error).message, /run sync\(\{ dir \}\)/, 'the error says to run sync');
    // revision() runs sync() first: the stale entry is rewritten from its module, then the new one added.
    const next = (await revision({ dir: copy, message: 'more', autogenerate: false, logger: silent }))!;
    const synced = await loadEntries(copy);
    t.equal(synced.length, 3);
    t.same(next.parents, [empty.id]);
    t.not(
      (synced[1] as { checksum: string }).checksum,
      (entries[1] as { checksum: string }).checksum,
      'the edited entry now declares its module as it is',
    );
    t.same((await check({ orm, revisions: synced, skipRoundTrip: true })).revisions, 3, 'check() passes after sync');

    // Entries an older upshift wrote (v1 checksums) are not edits, and the error says so.
    const older = entries.map((e) => ({ ...e, checksum: `v1:${(e as { checksum: string }).checksum.slice(3)}` }));
    const outdated = await check({ orm, revisions: older }).catch((e: unknown) => e);
    t.ok(outdated instanceof StaleDeclarationError, 'check() refuses older-format entries');
    t.match(
      (outdated as Error).message,
      /older format, which this version of upshift no longer computes \(not an edit\)/,
    );
    t.notMatch((outdated as Error).message, /was edited|add a new revision/, 'and does not call them edits');
  },
);

t.test('revision() takes its file back when the written module cannot be imported to declare it', async (t) => {
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  const template = join(ws.dir, 'revision.ts.template');
  writeFileSync(template, `${readFileSync(template, 'utf8')}\nthrow new Error('a template that breaks on import');\n`);
  const before = files(ws.dir);
  const indexBefore = readFileSync(join(ws.dir, 'index.ts'), 'utf8');
  await t.rejects(revision({ dir: ws.dir, message: 'x', autogenerate: false, logger: silent }), {
    code: 'UPSHIFT_BUNDLE_INDEX',
    message: /cannot be imported \(a template that breaks on import\), so it was removed again/,
  });
  t.same(files(ws.dir), before, 'no file left behind');
  t.equal(readFileSync(join(ws.dir, 'index.ts'), 'utf8'), indexBefore, 'index.ts untouched');
});
