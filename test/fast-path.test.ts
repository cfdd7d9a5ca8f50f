import { Migrator, LockTimeoutError } from 'upshift';
import { eachDialect } from './helpers/each-dialect.ts';
import { chain } from './helpers/revisions.ts';
import { countedOrm, countingOptions } from './helpers/counting.ts';
import { memoryLogger } from './helpers/silent-logger.ts';
import { openOrm } from './helpers/databases.ts';
import { holdLock } from './helpers/hold-lock.ts';

eachDialect('fast path: an up-to-date database costs one query and no lock', async (t, db) => {
  const setup = await db.orm();
  await new Migrator({ orm: setup, revisions: chain(20), logger: memoryLogger().logger }).upgrade();

  const { orm, statements } = await countedOrm(db);
  const { logger, lines } = memoryLogger();
  const result = await new Migrator({ orm, revisions: chain(20), logger }).upgrade();
  t.same(result.applied, []);
  t.same(result.current, ['rev0020']);
  t.equal(statements.length, 1, `exactly one statement: ${statements.join(' | ')}`);
  t.match(statements[0], /select "keys_digest" as "digest".* from "upshift_revisions_state"/);
  t.same(
    lines.filter((l) => (l.level as number) >= 40),
    [],
    'nothing to warn about',
  );
});

eachDialect('fast path does not wait for a lock held by another instance', async (t, db) => {
  const orm = await db.orm();
  const m = new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger, lock: { timeoutMs: 200 } });
  await m.upgrade();
  const held = await holdLock(db);
  t.teardown(() => held.release());
  t.same((await m.upgrade()).applied, [], 'up to date: returns although the lock is taken');
  // With something pending the same call needs the lock, and times out: the hold is real.
  const more = new Migrator({
    orm: await openOrm(db.dialect, db.location),
    revisions: chain(4),
    logger: memoryLogger().logger,
    lock: { timeoutMs: 200 },
  });
  await t.rejects(more.upgrade(), LockTimeoutError);
});

eachDialect('fast path never mistakes a doctored version table for the bundle', async (t, db) => {
  const orm = await db.orm();
  await new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger }).upgrade();
  const conn = orm.em.getConnection();
  const [row] = (await conn.execute(`select "checksum" from "upshift_revisions" where "id" = 'rev0003'`)) as {
    checksum: string;
  }[];
  // Three rows whose comma-joined keys read exactly like the bundle's four: rev0003's checksum
  // also spells a key for rev0004, which was never applied.
  const bundle = chain(4);
  const fourth = (await new Migrator({ orm, revisions: bundle, logger: memoryLogger().logger }).status()).pending;
  t.same(fourth, ['rev0004']);
  const { checksumOf } = await import('../lib/checksum.ts');
  if (db.dialect === 'postgresql')
    await conn.execute(`alter table "upshift_revisions" alter column "checksum" type text`);
  await conn.execute(`update "upshift_revisions" set "checksum" = ? where "id" = 'rev0003'`, [
    `${row!.checksum},rev0004 ${checksumOf(bundle[3]!)}`,
  ]);
  await conn.execute(`delete from "upshift_revisions" where "id" = 'rev0001'`);
  await conn.execute(
    `insert into "upshift_revisions" select 'rev0001', "parents", "message", ?, "applied_at", "duration_ms", "applied_by" from "upshift_revisions" where "id" = 'rev0002'`,
    [checksumOf(bundle[0]!)],
  );
  const { logger, lines } = memoryLogger();
  const result = await new Migrator({ orm, revisions: bundle, logger }).upgrade();
  t.same(result.applied, ['rev0004'], 'the missing revision is applied, not taken as present');
  t.ok(
    lines.some((l) => /edited/.test(String(l.msg))),
    'and the doctored checksum is reported as an edit',
  );
});

eachDialect('fast path with checksums "off" compares ids only, and still sees what is missing', async (t, db) => {
  const orm = await db.orm();
  await new Migrator({ orm, revisions: chain(2), logger: memoryLogger().logger }).upgrade();
  await orm.em.getConnection().execute(`update "upshift_revisions" set "checksum" = 'v2:edited'`);
  const { options, statements } = countingOptions();
  const counted = await db.orm([], options);
  await counted.em.getConnection().execute('select 1');
  // The edit deleted the state row (the trigger): the first boot reads the table and writes it back.
  t.same(
    (
      await new Migrator({
        orm: counted,
        revisions: chain(2),
        logger: memoryLogger().logger,
        checksums: 'off',
      }).upgrade()
    ).applied,
    [],
  );
  statements.length = 0;
  t.same(
    (
      await new Migrator({
        orm: counted,
        revisions: chain(2),
        logger: memoryLogger().logger,
        checksums: 'off',
      }).upgrade()
    ).applied,
    [],
  );
  t.equal(statements.length, 1, 'edited checksums do not leave the one-statement path when they are off');
  t.same(
    (
      await new Migrator({
        orm: counted,
        revisions: chain(3),
        logger: memoryLogger().logger,
        checksums: 'off',
      }).upgrade()
    ).applied,
    ['rev0003'],
  );
});

eachDialect(
  'with revisions pending, the one-row read also decides whether to take the lock: the full read waits for the lock',
  async (t, db) => {
    await new Migrator({ orm: await db.orm(), revisions: chain(2), logger: memoryLogger().logger }).upgrade();
    const held = await holdLock(db);
    t.teardown(() => held.release());
    const { orm, statements } = await countedOrm(db);
    const m = new Migrator({ orm, revisions: chain(4), logger: memoryLogger().logger, lock: { timeoutMs: 300 } });
    await t.rejects(m.upgrade(), LockTimeoutError, 'two revisions pending: it needs the lock, which is held elsewhere');
    t.ok(statements.length >= 1, `it read the version table: ${statements.join(' | ')}`);
    t.same(
      statements.filter((s) => /select "id", "parents"/.test(s)),
      [],
      'but never row by row: that read is for the lock holder',
    );
    await held.release();
    t.same((await m.upgrade()).applied, ['rev0003', 'rev0004'], 'once the lock is free, the same call applies them');
  },
);

eachDialect('fast path: rows stored in another order than they were applied still cost one query', async (t, db) => {
  await new Migrator({ orm: await db.orm(), revisions: chain(5), logger: memoryLogger().logger }).upgrade();
  // The first-applied row, deleted and written again, is now read last.
  await db
    .query(
      "create table moved as select * from upshift_revisions where id = 'rev0001'; delete from upshift_revisions where id = 'rev0001'; insert into upshift_revisions select * from moved; drop table moved",
    )
    .catch(async () => {
      // SQLite's driver runs one statement per call.
      for (const sql of [
        "create table moved as select * from upshift_revisions where id = 'rev0001'",
        "delete from upshift_revisions where id = 'rev0001'",
        'insert into upshift_revisions select * from moved',
        'drop table moved',
      ])
        await db.query(sql);
    });
  // Both columns, as the fast path reads them (on SQLite, "id" alone would come from its index).
  const order = await db.query<{ id: string }>('select id, checksum from upshift_revisions');
  t.equal(order.at(-1)?.id, 'rev0001', 'the table now returns rev0001 last');
  const { options, statements } = countingOptions();
  const orm = await db.orm([], options);
  // The hand edit deleted the state row (the trigger): this boot reads the table, in its new
  // order, and writes the row back from it.
  const first = await new Migrator({ orm, revisions: chain(5), logger: memoryLogger().logger }).upgrade();
  t.same(first.applied, []);
  t.same(first.current, ['rev0005']);
  statements.length = 0;
  const result = await new Migrator({ orm, revisions: chain(5), logger: memoryLogger().logger }).upgrade();
  t.same(result.applied, []);
  t.equal(
    statements.length,
    1,
    `the digest written from the reordered table is the bundle's: one statement: ${statements.join(' | ')}`,
  );
});
