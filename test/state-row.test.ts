/**
 * The boot path trusts the state row (the digests of the version table) instead of reading the
 * table. These tests pin down what makes that safe: every operation leaves the row equal to the
 * table, a write that is never followed by upshift writing the row again (a killed replica)
 * leaves no row at all, so does a change made by hand (the triggers on the version table), a
 * missing row is written back by the next boot, and writing it back never waits for, nor
 * interleaves with, a transaction that is writing the table.
 */
import { ChecksumMismatchError, Migrator, RevisionFailedError, defineRevision } from 'upshift';
import { statSync } from 'node:fs';
import pg from 'pg';
import { appliedDigests, type AppliedDigests } from '../lib/state-row.ts';
import { eachDialect, onPostgres, type TapTest } from './helpers/each-dialect.ts';
import type { TestDatabase } from './helpers/databases.ts';
import { chain } from './helpers/revisions.ts';
import { countedOrm } from './helpers/counting.ts';
import { memoryLogger } from './helpers/silent-logger.ts';
import { startWorker } from './helpers/workers.ts';

async function stateRow(db: TestDatabase): Promise<AppliedDigests | undefined> {
  const [row] = await db.query<{ keys_digest: string; ids_digest: string }>(
    'select "keys_digest", "ids_digest" from "upshift_revisions_state"',
  );
  return row ? { keys: row.keys_digest, ids: row.ids_digest } : undefined;
}

async function tableDigests(db: TestDatabase): Promise<AppliedDigests> {
  return appliedDigests(
    await db.query<{ id: string; checksum: string }>('select "id", "checksum" from "upshift_revisions"'),
  );
}

async function stateMatchesTable(t: TapTest, db: TestDatabase, what: string): Promise<void> {
  const row = await stateRow(db);
  t.ok(row, `${what}: there is a state row`);
  t.same(row, await tableDigests(db), `${what}: it is the digest of the version table`);
}

eachDialect(
  'upgrade, downgrade, stamp and a failed upgrade each leave the state row equal to the version table',
  async (t, db) => {
    const orm = await db.orm();
    const m = new Migrator({ orm, revisions: chain(4), logger: memoryLogger().logger });
    await m.upgrade('rev0002');
    await stateMatchesTable(t, db, 'upgrade to rev0002');
    await m.upgrade();
    await stateMatchesTable(t, db, 'upgrade to head');
    await m.downgrade('-1');
    await stateMatchesTable(t, db, 'downgrade -1');
    await m.stamp('rev0004');
    await stateMatchesTable(t, db, 'stamp rev0004 (adds a row)');
    await m.stamp('rev0003');
    await stateMatchesTable(t, db, 'stamp rev0003 (removes it again)');
    const failing = defineRevision({
      id: 'boom',
      parents: ['rev0004'],
      async up() {
        throw new Error('boom');
      },
    });
    await t.rejects(
      new Migrator({ orm, revisions: [...chain(4), failing], logger: memoryLogger().logger }).upgrade(),
      RevisionFailedError,
    );
    t.equal(
      (await tableDigests(db)).ids,
      appliedDigests(chain(4).map((r) => ({ id: r.id, checksum: '' }))).ids,
      'rev0004 was applied before boom failed',
    );
    await stateMatchesTable(t, db, 'a failed upgrade');
    t.same((await m.upgrade()).applied, [], 'and the boot path of the bundle that is applied is the fast one again');
  },
);

eachDialect('a no-op upgrade that finds no state row writes it back: the next boot is one statement', async (t, db) => {
  await new Migrator({ orm: await db.orm(), revisions: chain(3), logger: memoryLogger().logger }).upgrade();
  await db.query('delete from "upshift_revisions_state"');
  const { orm, statements } = await countedOrm(db);
  const m = new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger });
  t.same((await m.upgrade()).applied, []);
  t.ok(statements.length > 1, `without the row, the whole table is read (${statements.length} statements)`);
  await stateMatchesTable(t, db, 'after that boot');
  statements.length = 0;
  t.same((await m.upgrade()).current, ['rev0003']);
  t.equal(statements.length, 1, `the next boot is one statement: ${statements.join(' | ')}`);
});

eachDialect(
  'writing the state row back never waits for a transaction that is writing the version table',
  async (t, db) => {
    const m = new Migrator({
      orm: await db.orm(),
      revisions: chain(2),
      logger: memoryLogger().logger,
      lock: { timeoutMs: 200 },
    });
    await m.upgrade();
    await db.query('delete from "upshift_revisions_state"');
    // Another writer, mid-transaction, on a connection of its own: the row it is adding is not
    // committed, so a state row written now could describe a table that is about to change.
    const write = `update "upshift_revisions" set "applied_by" = 'a hand edit' where "id" = 'rev0001'`;
    let rollback: () => Promise<void>;
    if (db.dialect === 'postgresql') {
      const client = new pg.Client({ connectionString: db.location });
      await client.connect();
      await client.query('begin');
      await client.query(write);
      rollback = async () => {
        await client.query('rollback');
        await client.end();
      };
    } else {
      const { default: Sqlite } = await import('better-sqlite3');
      const conn = new Sqlite(db.location);
      conn.exec('begin immediate');
      conn.exec(write);
      rollback = async () => {
        conn.exec('rollback');
        conn.close();
      };
    }
    // The writer ends only after upgrade() returns: had the write-back waited for it, it would hang.
    const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000).unref());
    const result = await Promise.race([m.upgrade(), hung]);
    t.not(result, 'hung', "the boot returns while the writer's transaction is still open");
    if (result !== 'hung') t.same(result.applied, []);
    await rollback();
    t.equal(await stateRow(db), undefined, 'and wrote no state row while the table was being written');
    await m.upgrade();
    await stateMatchesTable(t, db, 'the next boot, once the writer is gone');
  },
);

eachDialect(
  'a replica killed after a revision committed leaves no state row, so the older release sees the database ahead',
  async (t, db) => {
    const first = await startWorker(db, { REVISIONS: 1 }).done;
    t.equal(first.code, 0, 'the older release (1 revision) boots');
    t.ok(await stateRow(db), 'and the state row vouches for its one revision');
    const victim = startWorker(db, { REVISIONS: 3, DELAY_MS: 400 });
    await victim.logged(/applied revision rev0002/);
    victim.child.kill('SIGKILL');
    const killed = await victim.done;
    t.equal(killed.signal, 'SIGKILL', 'the newer release (3 revisions) was killed while applying rev0003');
    t.same(
      (await db.query<{ id: string }>('select "id" from "upshift_revisions" order by "id"')).map((r) => r.id),
      ['rev0001', 'rev0002'],
    );
    t.equal(await stateRow(db), undefined, 'no state row vouches for a version table that changed');
    const older = await startWorker(db, { REVISIONS: 1 }).done;
    t.equal(older.code, 0);
    t.match(
      older.stderr,
      /newer than this code \(rev0002\)/,
      'the older release reads the table and sees rev0002 (onDatabaseAhead: "warn")',
    );
    const next = await startWorker(db, { REVISIONS: 3 }).done;
    t.equal(next.code, 0, 'the newer release finishes');
    await stateMatchesTable(t, db, 'after it');
  },
);

eachDialect('a state table dropped by hand comes back with the next upgrade that writes', async (t, db) => {
  const orm = await db.orm();
  await new Migrator({ orm, revisions: chain(2), logger: memoryLogger().logger }).upgrade();
  await db.query('drop table "upshift_revisions_state"');
  const m = new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger });
  t.same((await m.upgrade()).applied, ['rev0003']);
  await stateMatchesTable(t, db, 'after that upgrade');
  t.same((await m.upgrade()).applied, []);
});

eachDialect(
  'a version table dropped by hand takes its triggers with it, yet the state row left behind vouches for nothing',
  async (t, db) => {
    const orm = await db.orm();
    const m = new Migrator({ orm, revisions: chain(2), logger: memoryLogger().logger });
    await m.upgrade();
    // Starting over by hand: the app's tables and "the migrations table" go, and nobody knows
    // about the state table beside it.
    for (const table of ['t_rev0001', 't_rev0002', 'upshift_revisions']) await db.query(`drop table ${table}`);
    t.ok(await stateRow(db), 'the state row is still there (DROP TABLE fires no trigger)');
    t.same(
      (await m.upgrade()).applied,
      ['rev0001', 'rev0002'],
      'the next boot applies every revision again, as it would on a new database',
    );
    await t.resolves(db.query('select 1 from t_rev0001, t_rev0002'), 'the tables are back');
    await stateMatchesTable(t, db, 'after it');
    t.same((await m.upgrade()).applied, [], 'and the boot after that is the fast one again');

    // Only the version table dropped: the revisions' tables exist, so applying them again fails
    // loudly (stamp() is the way to say they are applied), never a silent "nothing to do".
    await db.query('drop table upshift_revisions');
    await t.rejects(
      m.upgrade(),
      RevisionFailedError,
      'the boot does not trust the row: it runs rev0001, whose table exists',
    );
    await m.stamp('heads');
    await stateMatchesTable(t, db, 'after stamp("heads")');
    t.same((await m.upgrade()).applied, []);
  },
);

eachDialect(
  'the state row stays true with transaction: "all" and, on PostgreSQL, lock.scope "transaction"',
  async (t, db) => {
    const configs = [
      { transaction: 'all' as const },
      ...(db.dialect === 'postgresql' ? [{ lock: { scope: 'transaction' as const } }] : []),
    ];
    for (const config of configs) {
      const what = JSON.stringify(config);
      const orm = await db.orm();
      const m = new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger, ...config });
      t.same((await m.upgrade()).applied, ['rev0001', 'rev0002', 'rev0003'], `${what}: upgrade`);
      await stateMatchesTable(t, db, `${what}: after upgrade`);
      t.same((await m.downgrade('base')).reverted, ['rev0003', 'rev0002', 'rev0001'], `${what}: downgrade to base`);
      await stateMatchesTable(t, db, `${what}: after downgrade`);
      t.equal((await tableDigests(db)).ids, appliedDigests([]).ids, `${what}: the table is empty, and so says the row`);
    }
  },
);

eachDialect(
  'a hand edit of the version table deletes the state row, so the next boot reads the table and acts on it',
  async (t, db) => {
    const orm = await db.orm();
    const m = new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger, checksums: 'error' });
    await m.upgrade();
    // What a person does at 3 a.m. to run a revision again: undo it by hand, delete its row. No
    // word to upshift, no thought of the state table.
    await db.query('drop table t_rev0003');
    await db.query(`delete from "upshift_revisions" where "id" = 'rev0003'`);
    t.equal(await stateRow(db), undefined, 'the delete took the state row with it');
    t.same((await m.upgrade()).applied, ['rev0003'], 'the next boot runs the revision again');
    await stateMatchesTable(t, db, 'after it');
    await db.query(`update "upshift_revisions" set "checksum" = 'v2:edited' where "id" = 'rev0001'`);
    t.equal(await stateRow(db), undefined, 'an update takes it too');
    await t.rejects(m.upgrade(), ChecksumMismatchError, 'and the next boot sees the edited checksum');
    await m.stamp('heads');
    await stateMatchesTable(t, db, 'after stamp() accepted it');
    await db.query(
      `insert into "upshift_revisions" ("id", "parents", "message", "checksum", "applied_at", "duration_ms", "applied_by") values ('rev0004', 'rev0003', '', 'v2:x', '2026-01-01T00:00:00.000Z', 0, 'a person')`,
    );
    t.equal(await stateRow(db), undefined, 'an insert takes it too');
    const logs = memoryLogger();
    t.same((await new Migrator({ orm, revisions: chain(3), logger: logs.logger }).upgrade()).applied, []);
    t.ok(
      logs.lines.some((line) => /newer than this code \(rev0004\)/.test(String(line.msg))),
      'and the next boot sees the inserted row',
    );
    if (db.dialect === 'postgresql') {
      await m.stamp('heads');
      t.ok(await stateRow(db));
      await db.query('truncate "upshift_revisions"');
      t.equal(await stateRow(db), undefined, 'PostgreSQL: so does a TRUNCATE');
    }
  },
);

eachDialect(
  'a version table made without the triggers gets them with the next operation that takes the lock',
  async (t, db) => {
    const orm = await db.orm();
    await new Migrator({ orm, revisions: chain(2), logger: memoryLogger().logger }).upgrade();
    // As an upshift release from before the triggers left it.
    if (db.dialect === 'postgresql') await db.query('drop trigger "upshift_clear_state" on "upshift_revisions"');
    else
      for (const event of ['insert', 'update', 'delete'])
        await db.query(`drop trigger "upshift_revisions_clear_state_on_${event}"`);
    await db.query(`update "upshift_revisions" set "applied_by" = 'a person' where "id" = 'rev0001'`);
    t.ok(await stateRow(db), 'without the triggers, a hand edit leaves the state row');
    t.same((await new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger }).upgrade()).applied, [
      'rev0003',
    ]);
    await stateMatchesTable(t, db, 'after an upgrade');
    await db.query(`update "upshift_revisions" set "applied_by" = 'a person' where "id" = 'rev0002'`);
    t.equal(await stateRow(db), undefined, 'the upgrade put the triggers back: a hand edit deletes the row again');
  },
);

onPostgres(
  'a hand edit from a session on another search_path clears the state row beside the version table',
  async (t, db) => {
    const orm = await db.orm();
    const m = new Migrator({ orm, revisions: chain(2), logger: memoryLogger().logger });
    await m.upgrade();
    // Another schema with a state table of the same name, first on the editing session's path.
    await db.query('create schema elsewhere');
    await db.query(
      'create table elsewhere.upshift_revisions_state ("id" integer primary key, "keys_digest" text, "ids_digest" text)',
    );
    await db.query(`insert into elsewhere.upshift_revisions_state values (1, 'theirs', 'theirs')`);
    const client = new pg.Client({ connectionString: db.location });
    await client.connect();
    try {
      await client.query('set search_path = elsewhere, public');
      await client.query(`delete from public."upshift_revisions" where "id" = 'rev0002'`);
    } finally {
      await client.end();
    }
    t.equal(await stateRow(db), undefined, 'the state row beside the version table is gone');
    t.equal(
      (await db.query('select 1 from elsewhere.upshift_revisions_state')).length,
      1,
      "the other schema's row is untouched",
    );
    await db.query('drop table t_rev0002');
    t.same((await m.upgrade()).applied, ['rev0002'], 'and the next boot runs the revision again');
  },
);

/**
 * What a write to the version table costs the state table once its row is gone (every write after
 * the first of a run): nothing. On SQLite a trigger's `delete` without a WHERE clears the table's
 * root page instead of deleting rows, and the page is journaled and written again on every write,
 * although the table is already empty; measured here as the rollback journal's size, with and
 * without the triggers. PostgreSQL deletes row by row: its statistics count no tuple touched.
 */
eachDialect('once the state row is gone, a version-table write touches nothing of the state table', async (t, db) => {
  const orm = await db.orm();
  await new Migrator({ orm, revisions: chain(2), logger: memoryLogger().logger }).upgrade();
  await db.query('delete from "upshift_revisions_state"');
  const insert =
    `insert into "upshift_revisions" ("id", "parents", "message", "checksum", "applied_at", "duration_ms", "applied_by") ` +
    `values ('byhand', 'rev0002', '', 'x', '2026-01-01T00:00:00.000Z', 0, 'a person')`;
  if (db.dialect === 'postgresql') {
    const client = new pg.Client({ connectionString: db.location });
    await client.connect();
    try {
      await client.query('begin');
      await client.query(insert);
      const { rows } = await client.query<{ relname: string; touched: string }>(
        `select relname, n_tup_ins + n_tup_upd + n_tup_del as touched from pg_stat_xact_user_tables where relname in ('upshift_revisions', 'upshift_revisions_state')`,
      );
      await client.query('rollback');
      const touched = Object.fromEntries(rows.map((r) => [r.relname, Number(r.touched)]));
      t.equal(touched.upshift_revisions, 1, 'the statistics see the insert into the version table');
      t.equal(touched.upshift_revisions_state ?? 0, 0, 'and no tuple of the state table');
    } finally {
      await client.end();
    }
    return;
  }
  const withTriggers = await sqliteJournalBytes(db.location, insert);
  for (const event of ['insert', 'update', 'delete'])
    await db.query(`drop trigger "upshift_revisions_clear_state_on_${event}"`);
  const withoutTriggers = await sqliteJournalBytes(db.location, insert);
  t.ok(withoutTriggers > 0, `the insert alone journals its own pages (${withoutTriggers} bytes)`);
  t.equal(withTriggers, withoutTriggers, 'the triggers journal no page of the empty state table');
});

/** How many bytes of rollback journal `sql` writes, in a transaction rolled back afterwards. */
async function sqliteJournalBytes(file: string, sql: string): Promise<number> {
  const { default: Sqlite } = await import('better-sqlite3');
  const conn = new Sqlite(file);
  try {
    if (conn.pragma('journal_mode', { simple: true }) !== 'delete')
      throw new Error('this measure needs the rollback journal (journal_mode = delete)');
    conn.exec('begin immediate');
    try {
      conn.exec(sql);
      return statSync(`${file}-journal`).size;
    } finally {
      conn.exec('rollback');
    }
  } finally {
    conn.close();
  }
}
