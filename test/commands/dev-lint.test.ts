// `revision --safe` and `check --lint=error|warn|off` through runCommand (PostgreSQL).
import { defineEntity, p } from '@mikro-orm/core';
import { onPostgres } from '../helpers/each-dialect.ts';
import { loadEntries, silent } from '../dev/load.ts';
import { workspace } from '../dev/workspace.ts';
import { run, runJson } from './helpers.ts';

const note = (indexed: boolean) =>
  defineEntity({
    name: 'Note',
    tableName: 'lint_note',
    properties: { id: p.integer().primary(), body: indexed ? p.string().index() : p.string() },
  });

onPostgres('revision --safe writes the chain; check --lint=error fails on unsafe DDL, =off does not', async (t, db) => {
  const before = await db.orm([note(false)]);
  const after = await db.orm([note(true)]);
  t.teardown(async () => {
    await before.close(true);
    await after.close(true);
  });
  for (const safe of [false, true]) {
    const ws = workspace();
    t.teardown(ws.remove);
    const base = { dir: ws.dir, logger: silent, revisions: [] };
    await run(['init'], { ...base, orm: before });
    await run(['migrate', '-m', 'notes'], { ...base, orm: before });
    const made = await runJson<{
      revision: { chain: unknown[]; lint: { rule: string }[]; transaction: boolean; up: string[] };
    }>(['migrate', '-m', 'index body', ...(safe ? ['--safe'] : [])], { ...base, orm: after });
    t.equal(made.code, 0);
    const config = { ...base, orm: after, revisions: await loadEntries(ws.dir) };
    if (safe) {
      // Nothing else changed: the revision building the index concurrently is the whole chain.
      t.same(made.json.revision.chain, []);
      t.equal(made.json.revision.transaction, false);
      t.same(made.json.revision.up, [
        'create index concurrently if not exists "lint_note_body_index" on "lint_note" ("body")',
      ]);
      t.same(made.json.revision.lint, []);
      t.equal((await run(['check', '--lint=error'], config)).code, 0, '--safe: the chain passes --lint=error');
      continue;
    }
    t.same(
      made.json.revision.lint.map((f) => f.rule),
      ['create-index-not-concurrently'],
    );
    const failed = await run(['check', '--lint=error'], config);
    t.equal(failed.code, 1);
    t.match(failed.err, /^error UPSHIFT_UNSAFE_DDL: [\s\S]*\[create-index-not-concurrently\]/);
    const warned = await run(['check'], config);
    t.equal(warned.code, 0, 'default: warn');
    t.match(warned.out, /UNSAFE DDL \[create-index-not-concurrently\]/);
    const off = await run(['check', '--lint=off'], config);
    t.equal(off.code, 0);
    t.notMatch(off.out, /UNSAFE DDL/);
    const bad = await run(['check', '--lint=loud'], config);
    t.equal(bad.code, 1);
    t.match(bad.err, /--lint takes error, warn or off/);
  }
});
