import { eachDialect } from '../helpers/each-dialect.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';
import { branchAndMerge, chain } from '../helpers/revisions.ts';
import { userTables } from '../helpers/schema.ts';

const tableExists = async (db: Parameters<typeof userTables>[0], name: string) => (await userTables(db)).includes(name);
import { run, runJson } from './helpers.ts';

eachDialect('status, upgrade, current, history, show, downgrade, stamp through runCommand', async (t, db) => {
  const orm = await db.orm();
  const revisions = chain(3, { prefix: 'cm' });
  const config = { orm, revisions, logger: memoryLogger().logger };

  let ran = await run(['status'], config);
  t.equal(ran.code, 2, 'status exits 2 with revisions pending');
  t.match(ran.out, /not up to date[\s\S]*pending: cm0001, cm0002, cm0003/);
  const pending = await runJson<{ upToDate: boolean; pending: string[] }>(['status'], config);
  t.equal(pending.code, 2);
  t.same(pending.json.pending, ['cm0001', 'cm0002', 'cm0003'], 'status --json lists the pending ids');

  ran = await run(['upgrade', 'cm0002'], config);
  t.equal(ran.code, 0);
  t.match(ran.out, /applied: cm0001, cm0002\ncurrent: cm0002/);
  t.ok(await tableExists(db, 't_cm0002'), 'upgrade really ran');
  t.notOk(await tableExists(db, 't_cm0003'));

  t.same((await runJson(['current'], config)).json, { current: ['cm0002'] });
  ran = await run(['current', '--verbose'], config);
  t.match(ran.out, /cm0002 {2}create t_cm0002/);

  ran = await run(['history'], config);
  t.equal(ran.code, 0);
  const lines = ran.out.trimEnd().split('\n');
  t.match(lines[0], /^revision\s+parents\s+message\s+date\s+applied$/, 'history is a table with its header');
  t.equal(lines.length, 5, 'header, rule, three rows');
  t.match(lines[2], /^cm0001\s+\(base\)\s+create t_cm0001\s+2026-01-01T00:00:01\.000Z\s+\d{4}-/);
  t.match(lines[4], /^cm0003 \(head\)\s+cm0002\s+create t_cm0003\s+\S+\s+no$/);
  const ranged = await runJson<{ history: { id: string }[] }>(['history', '-r', 'cm0002:'], config);
  t.same(
    ranged.json.history.map((e) => e.id),
    ['cm0002', 'cm0003'],
    '-r from: keeps the range',
  );

  ran = await run(['show', 'cm0003'], config);
  t.match(ran.out, /Revision: cm0003 \(head\)\nParents: {2}cm0002\n[\s\S]*Applied: {2}no[\s\S]*create t_cm0003/);

  ran = await run(['upgrade'], config);
  t.match(ran.out, /applied: cm0003/);
  ran = await run(['status'], config);
  t.equal(ran.code, 0, 'status exits 0 when up to date');
  t.match(ran.out, /^up to date/);

  const down = await runJson<{ reverted: string[]; current: string[] }>(['downgrade', '-1'], config);
  t.equal(down.code, 0);
  t.same(down.json.reverted, ['cm0003']);
  t.notOk(await tableExists(db, 't_cm0003'), 'downgrade really reverted');

  const stamped = await runJson<{ added: string[]; current: string[] }>(['stamp', 'heads'], config);
  t.same(stamped.json.current, ['cm0003'], 'stamp records without running');
  t.notOk(await tableExists(db, 't_cm0003'), 'stamp ran nothing');
  ran = await run(['stamp', 'cm0001', '--purge'], config);
  t.equal(ran.code, 0);
  t.same(
    (await runJson(['current'], config)).json,
    { current: ['cm0001'] },
    'stamp --purge sets the recorded set exactly',
  );
});

eachDialect('heads and branches on a branched graph', async (t, db) => {
  const orm = await db.orm();
  const config = { orm, revisions: branchAndMerge(), logger: memoryLogger().logger };
  const heads = await runJson<{ heads: string[] }>(['heads'], config);
  t.equal(heads.code, 0);
  t.equal(heads.json.heads.length, 1);
  const ran = await run(['branches'], config);
  t.equal(ran.code, 0);
  t.match(ran.out, /^b1xx -> left, right\n$/, 'the branch point and its children');
});

eachDialect('errors print message and code, never a stack, and exit 1', async (t, db) => {
  const orm = await db.orm();
  const config = { orm, revisions: chain(2, { prefix: 'er' }), logger: memoryLogger().logger };
  let ran = await run(['upgrade', 'nope'], config);
  t.equal(ran.code, 1);
  t.match(ran.err, /^error UPSHIFT_UNKNOWN_TARGET: /);
  t.notMatch(ran.err, /\n\s+at /, 'no stack');
  const json = await runJson<{ error: { code: string; message: string } }>(['downgrade', 'nope'], config);
  t.equal(json.code, 1);
  t.equal(json.json.error.code, 'UPSHIFT_UNKNOWN_TARGET', '--json errors are JSON too');
  ran = await run(['frobnicate'], config);
  t.equal(ran.code, 1);
  t.match(ran.err, /UPSHIFT_COMMAND_USAGE: Unknown command "frobnicate"/);
  ran = await run(['status', '--purge'], config);
  t.match(ran.err, /status does not take --purge/);
  ran = await run(['upgrade', '--bogus'], config);
  t.match(ran.err, /UPSHIFT_COMMAND_USAGE: Unknown option '--bogus'/);
  ran = await run(['status', '--db', 'main'], config);
  t.match(ran.err, /--db "main": this configuration has one database/, '--db needs several databases');
  ran = await run(['downgrade'], config);
  t.match(ran.err, /downgrade needs a target/);
  ran = await run(['--help'], config);
  t.equal(ran.code, 0);
  for (const name of [
    'upgrade',
    'downgrade',
    'stamp',
    'current',
    'heads',
    'branches',
    'history',
    'show',
    'status',
    'init',
    'revision',
    'migrate',
    'merge',
    'check',
    'reset',
  ]) {
    t.match(ran.out, new RegExp(`^  ${name}\\b`, 'm'), `--help lists ${name}`);
  }
  for (const flag of ['--db <name>', '--tenant <schema>', '--all-tenants'])
    t.match(ran.out, new RegExp(`^  ${flag}\\s`, 'm'), `--help lists ${flag}`);
});
