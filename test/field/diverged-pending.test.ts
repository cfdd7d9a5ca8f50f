// Finding 10: a bundle with pending revisions is never applied on top of applied revisions it does
// not know (another line of history), unless the app opts in with onDatabaseAhead: 'apply'.
import { defineRevision, DivergedError, Migrator, type Revision } from 'upshift';
import { eachDialect } from '../helpers/each-dialect.ts';
import { chain, revisionId } from '../helpers/revisions.ts';
import { userTables, versionRows } from '../helpers/schema.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';

const aa = (i: number) => revisionId('aa', i);
const bb04: Revision = defineRevision({
  id: 'bb0004',
  parents: [aa(3)],
  createdAt: '2026-02-01T00:00:00.000Z',
  async up({ sql }) {
    await sql('create table t_bb0004 (id integer)');
  },
  async down({ sql }) {
    await sql('drop table t_bb0004');
  },
});

eachDialect('pending bundled revisions on top of unknown ones: DivergedError naming both sides', async (t, db) => {
  await new Migrator({
    orm: await db.orm(),
    revisions: chain(5, { prefix: 'aa' }),
    logger: memoryLogger().logger,
  }).upgrade();
  const orm = await db.orm();
  const bundle = [...chain(3, { prefix: 'aa' }), bb04];
  for (const onDatabaseAhead of ['warn', 'error'] as const) {
    const error = (await new Migrator({ orm, revisions: bundle, logger: memoryLogger().logger, onDatabaseAhead })
      .upgrade()
      .catch((e: unknown) => e)) as DivergedError;
    t.type(error, DivergedError, `onDatabaseAhead "${onDatabaseAhead}"`);
    t.equal(error.code, 'UPSHIFT_DIVERGED');
    t.same(error.unknown, [aa(4), aa(5)], 'names what the database holds that the bundle does not know');
    t.same(error.pending, ['bb0004'], 'and what the bundle would apply on top of it');
    t.match(error.message, /aa0004, aa0005.*bb0004|bb0004.*aa0004, aa0005/s);
  }
  t.same(await versionRows(db), [1, 2, 3, 4, 5].map(aa), 'nothing was applied');
  t.notOk((await userTables(db)).includes('t_bb0004'));
  const status = await new Migrator({ orm, revisions: bundle, logger: memoryLogger().logger }).status();
  t.equal(status.relation, 'diverged', 'status() reports it');
  t.same(status.pending, ['bb0004']);

  const { logger, lines } = memoryLogger();
  const opted = await new Migrator({ orm, revisions: bundle, logger, onDatabaseAhead: 'apply' }).upgrade();
  t.same(opted.applied, ['bb0004'], "onDatabaseAhead: 'apply' applies it, as asked");
  t.ok(
    lines.some((l) => l.level === 40 && /bb0004/.test(String(l.msg)) && /aa0004/.test(String(l.msg))),
    'with a warning naming both sides',
  );
});

eachDialect('nothing pending on top of unknown revisions stays "ahead" (onDatabaseAhead decides)', async (t, db) => {
  await new Migrator({
    orm: await db.orm(),
    revisions: chain(5, { prefix: 'aa' }),
    logger: memoryLogger().logger,
  }).upgrade();
  const result = await new Migrator({
    orm: await db.orm(),
    revisions: chain(3, { prefix: 'aa' }),
    logger: memoryLogger().logger,
  }).upgrade();
  t.same(result.applied, []);
  t.same(result.current, [aa(5)]);
});
