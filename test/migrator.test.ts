import { Migrator } from 'upshift';
import { eachDatabase, onPostgres } from './helpers/each-dialect.ts';
import { branchAndMerge, chain } from './helpers/revisions.ts';
import { userTables, versionRows } from './helpers/schema.ts';
import { memoryLogger } from './helpers/silent-logger.ts';
import { countedOrm } from './helpers/counting.ts';

const tables = (...ids: string[]) => ids.map((id) => `t_${id}`).sort();

eachDatabase('linear chain: upgrade, relative steps, downgrade, stamp', async (t, db) => {
  const orm = await db.orm();
  const { logger } = memoryLogger();
  const m = new Migrator({ orm, revisions: chain(5), logger });
  t.same(m.heads(), ['rev0005']);
  t.same(await m.current(), [], 'a fresh database is at base');

  t.same((await m.upgrade('rev0002')).applied, ['rev0001', 'rev0002'], 'upgrade to an id');
  t.same(await userTables(db), tables('rev0001', 'rev0002'));
  t.same((await m.upgrade('+1')).applied, ['rev0003'], '+1');
  t.same(await m.current(), ['rev0003']);
  const up = await m.upgrade();
  t.same(up.applied, ['rev0004', 'rev0005'], 'upgrade to head applies the rest');
  t.same(up.current, ['rev0005']);
  t.same(await versionRows(db), ['rev0001', 'rev0002', 'rev0003', 'rev0004', 'rev0005']);

  t.same((await m.downgrade('-1')).reverted, ['rev0005']);
  t.same((await m.downgrade('-2')).reverted, ['rev0004', 'rev0003']);
  t.same(await userTables(db), tables('rev0001', 'rev0002'));
  await m.upgrade();
  t.same((await m.downgrade('rev0002')).reverted, ['rev0005', 'rev0004', 'rev0003'], 'downgrade to an id');
  t.same(await m.current(), ['rev0002']);
  t.same((await m.downgrade('base')).reverted, ['rev0002', 'rev0001']);
  t.same(await userTables(db), []);
  t.same(await versionRows(db), []);

  const stamped = await m.stamp('head');
  t.same(stamped.added, ['rev0001', 'rev0002', 'rev0003', 'rev0004', 'rev0005']);
  t.same((await m.upgrade()).applied, [], 'after stamp head, upgrade applies nothing');
  t.same(await userTables(db), [], 'stamp ran no revision');
  t.same((await m.stamp('rev0003')).removed, ['rev0004', 'rev0005'], 'stamp lower removes rows only');
  t.same(await m.current(), ['rev0003']);
  t.same((await m.stamp('base')).removed, ['rev0001', 'rev0002', 'rev0003']);
});

eachDatabase('history and status', async (t, db) => {
  const orm = await db.orm();
  const m = new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger });
  let status = await m.status();
  t.same(status, {
    upToDate: false,
    current: [],
    heads: ['rev0003'],
    pending: ['rev0001', 'rev0002', 'rev0003'],
    unknown: [],
    edited: [],
    relation: 'ok',
  });
  await m.upgrade('rev0001');
  const history = await m.history();
  t.same(
    history.map((h) => [h.id, h.applied, h.isHead]),
    [
      ['rev0001', true, false],
      ['rev0002', false, false],
      ['rev0003', false, true],
    ],
  );
  t.ok(
    history[0]!.appliedAt instanceof Date && Math.abs(history[0]!.appliedAt.getTime() - Date.now()) < 60_000,
    'appliedAt is when it ran',
  );
  t.equal(history[1]!.appliedAt, null);
  t.equal(history[0]!.message, 'create t_rev0001');
  await m.upgrade();
  status = await m.status();
  t.equal(status.upToDate, true);
  t.same(status.pending, []);
});

eachDatabase('a graph with a branch and a merge', async (t, db) => {
  const orm = await db.orm();
  const m = new Migrator({ orm, revisions: branchAndMerge(), logger: memoryLogger().logger });
  t.same((await m.upgrade('left')).applied, ['base0', 'b1xx', 'left'], 'one branch only');
  t.same(await m.current(), ['left']);
  t.same((await m.upgrade('right')).applied, ['right']);
  t.same(await m.current(), ['left', 'right'], 'two applied heads before the merge');
  t.same((await m.status()).pending, ['merge', 'top1']);
  t.same((await m.upgrade()).applied, ['merge', 'top1']);
  t.same(await m.current(), ['top1']);
  t.same((await m.downgrade('left')).reverted, ['top1', 'merge']);
  t.same(await m.current(), ['left', 'right']);
  t.same((await m.downgrade('b1xx')).reverted, ['right', 'left']);
  t.same(await userTables(db), tables('base0', 'b1xx'));
  // From {b1xx}, "+1" could apply left or right: refused, not chosen (issue 21.12).
  await t.rejects(m.upgrade('+3'), { code: 'UPSHIFT_AMBIGUOUS_TARGET', candidates: ['left', 'right'] });
  await m.upgrade('left');
  t.same((await m.upgrade('+2')).applied, ['right', 'merge'], 'one path from {left}: right, then the merge');
});

eachDatabase('custom table name and logging through the given logger', async (t, db) => {
  const orm = await db.orm();
  const { logger, lines } = memoryLogger();
  const m = new Migrator({ orm, revisions: chain(2), logger, tableName: 'schema_history' });
  await m.upgrade();
  t.same(await versionRows(db, 'schema_history'), ['rev0001', 'rev0002']);
  const messages = lines.map((l) => l.msg as string);
  t.ok(
    messages.some((msg) => msg.startsWith('applying revision rev0001')),
    'a line when a revision starts',
  );
  t.ok(
    lines.some((l) => l.revision === 'rev0002' && typeof l.durationMs === 'number'),
    'a line when it ends, with its duration',
  );
  t.ok(
    messages.some((msg) => msg.startsWith('upgrade done: 2 revision(s) applied')),
    'one summary line',
  );
  const [row] = await db.query<{ parents: string; checksum: string; applied_by: string; duration_ms: number }>(
    'select parents, checksum, applied_by, duration_ms from "schema_history" where id = \'rev0002\'',
  );
  t.equal(row!.parents, 'rev0001');
  t.match(row!.checksum, /^v2:[0-9a-f]{64}$/);
  t.match(row!.applied_by, new RegExp(`pid ${process.pid}`));
});

onPostgres(
  'schema option: the version table lives in its own schema, created on the first upgrade; the fast path reads it there',
  async (t, db) => {
    const orm = await db.orm();
    const m = new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger, schema: 'upshift_meta' });
    t.same(
      (await m.upgrade()).applied,
      ['rev0001', 'rev0002', 'rev0003'],
      'the missing schema is a first boot, not an error',
    );
    const rows = await db.query<{ id: string }>('select id from upshift_meta.upshift_revisions order by id');
    t.same(
      rows.map((r) => r.id),
      ['rev0001', 'rev0002', 'rev0003'],
    );
    t.same(
      await db.query("select 1 from pg_tables where schemaname = 'public' and tablename = 'upshift_revisions'"),
      [],
      'nothing in the default schema',
    );
    const { orm: counted, statements } = await countedOrm(db);
    const again = await new Migrator({
      orm: counted,
      revisions: chain(3),
      logger: memoryLogger().logger,
      schema: 'upshift_meta',
    }).upgrade();
    t.same(again.applied, []);
    t.equal(statements.length, 1, `a no-op is one statement: ${statements.join(' | ')}`);
    t.match(statements[0], /"upshift_meta"\."upshift_revisions_state"/);
  },
);
