/**
 * The boot path's one read goes straight to the driver MikroORM wraps (pg Pool, better-sqlite3).
 * These tests pin down what that must never change: it sees only committed rows, it survives the
 * ORM reconnecting, it falls back to MikroORM when the driver is not MikroORM's to hand out, and
 * on PostgreSQL it is a named statement only where a pooler cannot lose it.
 */
import { Migrator, ChecksumMismatchError } from 'upshift';
import { eachDialect, onPostgres } from './helpers/each-dialect.ts';
import { chain } from './helpers/revisions.ts';
import { countingOptions } from './helpers/counting.ts';
import { memoryLogger } from './helpers/silent-logger.ts';
import { openOrm } from './helpers/databases.ts';
import type { Transaction } from '@mikro-orm/core';

eachDialect('the boot read never sees rows of a transaction that is still open on the same ORM', async (t, db) => {
  const orm = await db.orm();
  const m = new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger, checksums: 'error' });
  await m.upgrade();
  const conn = orm.em.getConnection();
  // A hand edit; the trigger on the version table deletes the state row in the same transaction.
  const edit = [`update "upshift_revisions" set "checksum" = 'v2:edited' where "id" = 'rev0002'`];
  const trx = (await conn.begin()) as Transaction;
  // Uncommitted: an edited checksum. Were it seen, upgrade() would throw ChecksumMismatchError.
  for (const sql of edit) await conn.execute(sql, [], 'run', trx);
  const pending = m.upgrade();
  // SQLite has one connection: the read must wait for the transaction to end, not read inside it.
  await new Promise((resolve) => setTimeout(resolve, 100));
  await conn.rollback(trx as never);
  const result = await pending;
  t.same(result.applied, []);
  t.same(result.current, ['rev0003'], 'the rolled-back edit was never part of what the read saw');
  // The same edit, committed, is seen: the read is not blind, it waited.
  for (const sql of edit) await conn.execute(sql);
  await t.rejects(m.upgrade(), ChecksumMismatchError);
});

eachDialect('the boot read works again after the ORM closed and reconnected', async (t, db) => {
  const orm = await db.orm();
  const m = new Migrator({ orm, revisions: chain(2), logger: memoryLogger().logger });
  t.same((await m.upgrade()).applied, ['rev0001', 'rev0002']);
  t.same((await m.upgrade()).applied, [], 'at head: the fast path, on the driver');
  await orm.close(true);
  await orm.connect();
  t.same((await m.upgrade()).current, ['rev0002'], 'the same Migrator reads through the new connection');
  const more = new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger });
  t.same((await more.upgrade()).applied, ['rev0003']);
  t.same(
    (await m.upgrade()).current,
    ['rev0003'],
    'and sees what was written since (a newer revision: database ahead)',
  );
});

eachDialect(
  "with a Kysely dialect of the app's own in driverOptions, the boot read goes through MikroORM",
  async (t, db) => {
    await new Migrator({ orm: await db.orm(), revisions: chain(2), logger: memoryLogger().logger }).upgrade();
    const kysely = await import('kysely');
    let driverOptions: unknown;
    if (db.dialect === 'postgresql') {
      const pg = (await import('pg')).default;
      driverOptions = new kysely.PostgresDialect({ pool: new pg.Pool({ connectionString: db.location }) });
    } else {
      const { default: BetterSqlite } = await import('better-sqlite3');
      driverOptions = new kysely.SqliteDialect({ database: new BetterSqlite(db.location) });
    }
    const { options, statements } = countingOptions();
    const orm = await openOrm(db.dialect, db.location, [], { ...options, driverOptions });
    t.teardown(() => orm.close(true));
    await t.rejects(
      orm.em.getConnection().getNativeClient(),
      /native client is not available/,
      'MikroORM does not own the driver here',
    );
    statements.length = 0;
    const result = await new Migrator({ orm, revisions: chain(2), logger: memoryLogger().logger }).upgrade();
    t.same(result.current, ['rev0002']);
    t.equal(statements.filter((s) => /upshift_revisions/.test(s)).length, 1, `one read: ${statements.join(' | ')}`);
  },
);

onPostgres(
  'the boot read is a named statement under a session lock, and an unnamed one under lock.scope "transaction"',
  async (t, db) => {
    // One pooled connection, so the statements it has prepared can be listed from the same session.
    const orm = await db.orm([], { pool: { min: 1, max: 1 } });
    const prepared = async () =>
      (
        (await orm.em
          .getConnection()
          .execute(`select name from pg_prepared_statements where name like 'upshift_%'`)) as { name: string }[]
      ).map((r) => r.name);
    await new Migrator({
      orm,
      revisions: chain(2),
      logger: memoryLogger().logger,
      lock: { scope: 'transaction' },
      transaction: 'all',
    }).upgrade();
    await new Migrator({
      orm,
      revisions: chain(2),
      logger: memoryLogger().logger,
      lock: { scope: 'transaction' },
      transaction: 'all',
    }).upgrade();
    t.same(
      await prepared(),
      [],
      'behind a transaction pooler the next transaction may run on a connection that never saw it',
    );
    await new Migrator({ orm, revisions: chain(2), logger: memoryLogger().logger }).upgrade();
    t.equal((await prepared()).length, 1, 'with a session lock it is planned once per connection');
    // Another read (checksums off) on the same connection gets a name of its own, not a clash.
    await new Migrator({ orm, revisions: chain(2), logger: memoryLogger().logger, checksums: 'off' }).upgrade();
    t.equal((await prepared()).length, 2);
  },
);
