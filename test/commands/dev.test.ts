import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { defineEntity, p } from '@mikro-orm/core';
import { eachDatabase, eachDialect } from '../helpers/each-dialect.ts';
import { userTables } from '../helpers/schema.ts';
import { loadEntries, silent } from '../dev/load.ts';
import { workspace } from '../dev/workspace.ts';
import { run, runJson } from './helpers.ts';

const Note = defineEntity({
  name: 'Note',
  tableName: 'cmd_note',
  properties: { id: p.integer().primary(), body: p.string() },
});

eachDatabase('init, migrate, revision --empty, sync, check, reset through runCommand', async (t, db) => {
  const ws = workspace();
  t.teardown(ws.remove);
  const orm = await db.orm([Note]);
  const base = { orm, dir: ws.dir, logger: silent };

  let ran = await run(['init'], { ...base, revisions: [] });
  t.equal(ran.code, 0);
  t.match(ran.out, `created ${ws.dir}`);
  t.match(ran.out, '.gitattributes');

  const made = await runJson<{ revision: { id: string; path: string } }>(['migrate', '-m', 'notes'], {
    ...base,
    revisions: [],
  });
  t.equal(made.code, 0, 'migrate autogenerates');
  t.match(readFileSync(made.json.revision.path, 'utf8'), /create table [`"]?cmd_note/);
  const empty = await runJson<{ revision: { id: string; path: string; parents: string[] } }>(
    ['revision', '-m', 'by hand'],
    { ...base, revisions: [] },
  );
  t.same(empty.json.revision.parents, [made.json.revision.id], 'revision is empty by default, on top of the head');
  t.notMatch(readFileSync(empty.json.revision.path, 'utf8'), /cmd_note/);

  ran = await run(['check'], { ...base, revisions: await loadEntries(ws.dir) });
  t.equal(ran.code, 0, 'check passes');
  t.match(ran.out, /^ok: 2 revisions/);

  // An edit after revision() wrote it: check fails naming sync; sync rewrites the entry. (In a
  // copy of the folder: this process has imported the original modules, a new script would not.)
  const copy = join(ws.root, 'edited');
  cpSync(ws.dir, copy, { recursive: true });
  const edited = join(copy, basename(empty.json.revision.path));
  writeFileSync(
    edited,
    readFileSync(edited, 'utf8').replace(/async up\([^)]*\) \{/, "async up({ sql }) {\n    await sql('select 1');"),
  );
  const inCopy = { ...base, dir: copy };
  ran = await run(['check'], { ...inCopy, revisions: await loadEntries(copy) });
  t.equal(ran.code, 1);
  t.match(ran.err, /^error UPSHIFT_STALE_DECLARATION: [\s\S]*run sync/);
  const synced = await runJson<{ updated: string[] }>(['sync'], { ...inCopy, revisions: [] });
  t.same(synced.json.updated, [empty.json.revision.id]);
  t.same(
    (await runJson<{ updated: string[] }>(['sync'], { ...inCopy, revisions: [] })).json.updated,
    [],
    'a second sync changes nothing',
  );
  t.equal((await run(['check'], { ...inCopy, revisions: await loadEntries(copy) })).code, 0, 'check passes after sync');

  const config = { ...base, revisions: await loadEntries(ws.dir) };
  t.equal((await run(['upgrade'], config)).code, 0);
  t.ok((await userTables(db)).includes('cmd_note'));
  await db.query(`insert into cmd_note (id, body) values (1, 'x')`);
  if (db.dialect === 'sqlite') {
    const reset = await runJson<{ reverted: string[]; applied: string[] }>(['reset'], config);
    t.equal(reset.code, 0, 'a temp-folder SQLite file is a development database');
    t.same(reset.json.applied, [made.json.revision.id, empty.json.revision.id]);
  } else {
    ran = await run(['reset'], config);
    t.equal(ran.code, 1, `"${db.location}" is not clearly a development database`);
    t.match(ran.err, /^error UPSHIFT_NOT_DEVELOPMENT_DATABASE: .*--yes/);
    t.same(await db.query('select body from cmd_note'), [{ body: 'x' }], 'refused: nothing touched');
    const reset = await runJson<{ reverted: string[]; applied: string[] }>(['reset', '--yes'], config);
    t.equal(reset.code, 0);
    t.same(reset.json.reverted, [empty.json.revision.id, made.json.revision.id]);
  }
  t.same(await db.query('select body from cmd_note'), [], 'reset went to base and back: the rows are gone');
});

eachDialect('two git branches each add a revision: a clean merge, then check asks for merge', async (t, db) => {
  const ws = workspace();
  t.teardown(ws.remove);
  const orm = await db.orm();
  const base = { orm, dir: ws.dir, logger: silent, revisions: [] };
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: ws.root, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  t.equal((await run(['init'], base)).code, 0);
  t.equal((await run(['revision', '-m', 'first'], base)).code, 0);
  git('add', '-A');
  git('commit', '-qm', 'first');
  git('checkout', '-qb', 'left');
  const left = await runJson<{ revision: { id: string } }>(['revision', '-m', 'left work'], base);
  git('add', '-A');
  git('commit', '-qm', 'left');
  git('checkout', '-q', 'main');
  const right = await runJson<{ revision: { id: string } }>(['revision', '-m', 'right work'], base);
  git('add', '-A');
  git('commit', '-qm', 'right');
  git('merge', '-q', '--no-edit', 'left');
  t.equal(git('status', '--porcelain'), '', 'git merged the two branches without a conflict');
  const index = readFileSync(join(ws.dir, 'index.ts'), 'utf8');
  t.match(index, `id: '${left.json.revision.id}'`);
  t.match(index, `id: '${right.json.revision.id}'`);

  const merged = { ...base, revisions: await loadEntries(ws.dir) };
  const heads = await runJson<{ heads: string[] }>(['heads'], merged);
  t.same(
    [...heads.json.heads].sort(),
    [left.json.revision.id, right.json.revision.id].sort(),
    'both branches are heads',
  );
  const checked = await run(['check'], merged);
  t.equal(checked.code, 1);
  t.match(checked.err, /^error UPSHIFT_UNMERGED_HEADS: [\s\S]*merge/, 'check asks for a merge()');
  const joined = await runJson<{ revision: { parents: string[] } }>(['merge', '-m', 'join'], base);
  t.equal(joined.code, 0);
  t.same([...joined.json.revision.parents].sort(), [left.json.revision.id, right.json.revision.id].sort());
  const after = { ...base, revisions: await loadEntries(ws.dir) };
  t.equal((await runJson<{ heads: string[] }>(['heads'], after)).json.heads.length, 1, 'one head after merge');
  t.equal((await run(['check'], after)).code, 0, 'check passes');
  t.equal((await run(['upgrade'], after)).code, 0);
  t.equal((await run(['status'], after)).code, 0);
});
