import { DatabaseAheadError, defineRevision, DivergedError, Migrator, type Revision } from 'upshift';
import { eachDialect } from '../helpers/each-dialect.ts';
import { chain, revisionId } from '../helpers/revisions.ts';
import { userTables, versionRows } from '../helpers/schema.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';

const r = (i: number) => revisionId('rev', i);

/** A side branch off rev0001, created last, so "-1" reverts it first. */
const side = (): Revision =>
  defineRevision({
    id: 'side1',
    parents: [r(1)],
    createdAt: '2026-06-01T00:00:00.000Z',
    async up({ sql }) {
      await sql('create table t_side1 (id integer)');
    },
    async down({ sql }) {
      await sql('drop table t_side1');
    },
  });

eachDialect(
  'database ahead: an older bundle starts with a warning, or refuses with onDatabaseAhead "error"',
  async (t, db) => {
    await new Migrator({ orm: await db.orm(), revisions: chain(5), logger: memoryLogger().logger }).upgrade();
    const orm = await db.orm();

    const { logger, lines } = memoryLogger();
    const older = new Migrator({ orm, revisions: chain(3), logger });
    const result = await older.upgrade();
    t.same(result.applied, [], 'nothing to apply');
    t.same(result.current, [r(5)], 'current reports where the database really is');
    const warning = lines.find((l) => l.level === 40);
    t.match(
      warning?.msg,
      /2 revision\(s\) newer than this code \(rev0004, rev0005\); starting anyway/,
      'logged as a warning',
    );
    const status = await older.status();
    t.same(status.unknown, [r(4), r(5)], 'status().unknown');
    t.equal(status.relation, 'ahead');
    t.same(status.pending, []);

    const strict = new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger, onDatabaseAhead: 'error' });
    const error = (await strict.upgrade().catch((e: unknown) => e)) as DatabaseAheadError;
    t.type(error, DatabaseAheadError);
    t.equal(error.code, 'UPSHIFT_DATABASE_AHEAD');
    t.same(error.unknown, [r(4), r(5)]);
    t.same(await versionRows(db), [1, 2, 3, 4, 5].map(r), 'nothing changed');
  },
);

eachDialect(
  'diverged: unrelated applied ids, or a bundled revision missing below an applied one, are DivergedError always',
  async (t, db) => {
    const alien = defineRevision({
      id: 'alien1',
      parents: [],
      async up({ sql }) {
        await sql('create table t_alien (id integer)');
      },
    });
    await new Migrator({
      orm: await db.orm(),
      revisions: [...chain(5), alien],
      logger: memoryLogger().logger,
    }).upgrade();
    const orm = await db.orm();
    for (const onDatabaseAhead of ['warn', 'error'] as const) {
      const error = (await new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger, onDatabaseAhead })
        .upgrade()
        .catch((e: unknown) => e)) as DivergedError;
      t.type(error, DivergedError, `unrelated id, onDatabaseAhead ${onDatabaseAhead}`);
      t.equal(error.code, 'UPSHIFT_DIVERGED');
      t.ok(error.unknown.includes('alien1'), 'names the unrelated id');
      t.match(error.message, /alien1/);
    }
    const m = new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger });
    t.equal((await m.status()).relation, 'diverged', 'status reports it instead of throwing');
    await t.rejects(m.downgrade('-1'), DivergedError, 'downgrade refuses too');

    // A bundled revision missing below an applied one.
    await db.query(`delete from upshift_revisions where id = 'alien1'`);
    await db.query(`delete from upshift_revisions where id = '${r(2)}'`);
    const full = new Migrator({ orm, revisions: chain(5), logger: memoryLogger().logger });
    const missing = (await full.upgrade().catch((e: unknown) => e)) as DivergedError;
    t.type(missing, DivergedError, 'missing below an applied one');
    t.same(missing.missing, [r(2)]);
    t.match(missing.message, /rev0002 are not applied although revisions above them are/);
    t.same(await versionRows(db), [1, 3, 4, 5].map(r), 'and it did not re-run rev0002');
  },
);

eachDialect('downgrade with an older bundle never touches unknown revisions, nor what they build on', async (t, db) => {
  await new Migrator({
    orm: await db.orm(),
    revisions: [...chain(5), side()],
    logger: memoryLogger().logger,
  }).upgrade();
  const orm = await db.orm();
  const older = new Migrator({ orm, revisions: [...chain(3), side()], logger: memoryLogger().logger });
  const down = await older.downgrade('-1');
  t.same(down.reverted, ['side1'], 'a branch no unknown revision builds on can be reverted');
  t.same(await versionRows(db), [1, 2, 3, 4, 5].map(r), 'rev0004 and rev0005 untouched');
  t.ok((await userTables(db)).includes('t_rev0005'), 'their tables too');
  const error = (await older.downgrade('-1').catch((e: unknown) => e)) as DatabaseAheadError;
  t.type(error, DatabaseAheadError, 'reverting rev0003, which rev0004 builds on, is refused');
  t.same(error.unknown, [r(4)]);
  t.match(error.message, /Cannot downgrade/);
  await t.rejects(older.downgrade('base'), DatabaseAheadError);
  t.same(await versionRows(db), [1, 2, 3, 4, 5].map(r), 'nothing changed');
  t.same(
    (await userTables(db)).filter((n) => n.startsWith('t_rev')),
    [1, 2, 3, 4, 5].map((i) => `t_${r(i)}`),
  );
  // Applying side1 again would put this code's revision beside rev0004 and rev0005, which it
  // has never seen: a divergence, unless the app opts in (issue 21, item 10).
  const status = await older.status();
  t.equal(
    status.relation,
    'diverged',
    'with its own branch pending beside newer revisions, the database has diverged from this code',
  );
  t.same(status.pending, ['side1']);
  await t.rejects(older.upgrade(), DivergedError, 'so the older code does not apply its branch again by itself');
  const optedIn = new Migrator({
    orm,
    revisions: [...chain(3), side()],
    logger: memoryLogger().logger,
    onDatabaseAhead: 'apply',
  });
  t.same((await optedIn.upgrade()).applied, ['side1'], 'unless asked to (onDatabaseAhead: "apply")');
});
