import { Migrator, LockTimeoutError } from 'upshift';
import { eachDialect } from './helpers/each-dialect.ts';
import { chain } from './helpers/revisions.ts';
import { countingOptions } from './helpers/counting.ts';
import { memoryLogger } from './helpers/silent-logger.ts';
import { openOrm } from './helpers/databases.ts';
import { holdLock } from './helpers/hold-lock.ts';

eachDialect('fast path: an up-to-date database costs one query and no lock', async (t, db) => {
  const setup = await db.orm();
  await new Migrator({ orm: setup, revisions: chain(20), logger: memoryLogger().logger }).upgrade();

  const { options, statements } = countingOptions();
  const orm = await db.orm([], options);
  await orm.em.getConnection().execute('select 1'); // connect first, so connection set-up is not counted
  statements.length = 0;
  const { logger, lines } = memoryLogger();
  const result = await new Migrator({ orm, revisions: chain(20), logger }).upgrade();
  t.same(result.applied, []);
  t.same(result.current, ['rev0020']);
  t.equal(statements.length, 1, `exactly one statement: ${statements.join(' | ')}`);
  t.match(statements[0], /select .* from "upshift_revisions"/);
  t.same(lines.filter((l) => (l.level as number) >= 40), [], 'nothing to warn about');
});

eachDialect('fast path does not wait for a lock held by another instance', async (t, db) => {
  const orm = await db.orm();
  const m = new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger, lock: { timeoutMs: 200 } });
  await m.upgrade();
  const held = await holdLock(db);
  t.teardown(() => held.release());
  t.same((await m.upgrade()).applied, [], 'up to date: returns although the lock is taken');
  // With something pending the same call needs the lock, and times out: the hold is real.
  const more = new Migrator({ orm: await openOrm(db.dialect, db.location), revisions: chain(4), logger: memoryLogger().logger, lock: { timeoutMs: 200 } });
  await t.rejects(more.upgrade(), LockTimeoutError);
});
