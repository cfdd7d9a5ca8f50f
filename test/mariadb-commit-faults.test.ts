// Real faults at the end of a revision on MariaDB: the COMMIT of the unit that writes the version
// row, cut by a TCP proxy before the server sees it (rolled back) or after it committed (the app
// never hears so); and upshift's pooled connection KILLed, mid-revision or while idle. Each time:
// the call settles with a typed error naming the revision, the lock is let go, the pool is left
// whole, and the next boot ends at head having run every statement exactly once.
import type { MikroORM } from '@mikro-orm/core';
import { DatabaseError, defineRevision, Migrator, type Revision, type UpgradeResult, type UpshiftError } from 'upshift';
import type { TestDatabase } from './helpers/databases.ts';
import { onMariadb, type TapTest } from './helpers/each-dialect.ts';
import { type Settled, settleWithin } from './helpers/faults.ts';
import { type CommitCut, MysqlProxy } from './helpers/mysql-proxy.ts';
import { userTables, versionRows } from './helpers/schema.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

const silent = () => memoryLogger().logger;
/** Far longer than any of these calls takes: only a hang reaches it. */
const SETTLE_MS = 30_000;

const databaseName = (db: TestDatabase<'mariadb'>) => db.location.split('/').pop()!;
const lockName = (db: TestDatabase<'mariadb'>) => `upshift:${databaseName(db)}.upshift_revisions`;

async function lockIsFree(db: TestDatabase<'mariadb'>): Promise<boolean> {
  const [row] = await db.query<{ free: number }>('select is_free_lock(?) as free', [lockName(db)]);
  return Number(row?.free) === 1;
}

/** Which revision ran each time: one row per run of a revision's statements. */
async function runs(db: TestDatabase<'mariadb'>): Promise<string[]> {
  return (await db.query<{ revision: string }>('select revision from runs order by revision')).map((r) => r.revision);
}

/**
 * Two revisions; the last one's final unit holds its DML, the removal of its progress row (when it
 * has DDL) and its version row. Its DDL fails if run twice, its insert shows up twice if run twice.
 */
function countingRevisions(lastHasDdl: boolean): Revision[] {
  return [
    defineRevision({
      id: 'rev_counter',
      parents: [],
      createdAt: '2026-01-01T00:00:01.000Z',
      async up({ sql }) {
        await sql('create table runs (revision varchar(64) not null)');
        await sql("insert into runs (revision) values ('rev_counter')");
      },
    }),
    defineRevision({
      id: 'rev_last',
      parents: ['rev_counter'],
      createdAt: '2026-01-01T00:00:02.000Z',
      async up({ sql }) {
        if (lastHasDdl) await sql('create table made_once (id int primary key)');
        await sql("insert into runs (revision) values ('rev_last')");
      },
    }),
  ];
}

/** The version row of rev_last: the COMMIT that follows it on the same connection is the one cut. */
const LAST_VERSION_ROW = /^insert into `upshift_revisions` .*'rev_last'/;

const WHERE_IT_ENDS: Record<CommitCut, { before: string[]; appliedNext: string[] }> = {
  'before-commit': { before: ['rev_counter'], appliedNext: ['rev_last'] },
  'after-commit': { before: ['rev_counter', 'rev_last'], appliedNext: [] },
};

/**
 * Applies countingRevisions through the proxy with rev_last's version-row COMMIT cut, and checks
 * the failure: typed, naming rev_last, the cut where it was meant, the lock let go. Returns the
 * proxied ORM, still open.
 */
async function cutLastCommit(
  t: TapTest,
  db: TestDatabase<'mariadb'>,
  cut: CommitCut,
  revisions: Revision[],
): Promise<MikroORM> {
  const proxy = await MysqlProxy.start();
  t.teardown(() => proxy.close());
  const orm = await db.orm([], { clientUrl: proxy.urlFor(db.location) });
  proxy.cutCommitAfter({ marker: LAST_VERSION_ROW, cut });

  const outcome = await settleWithin(new Migrator({ orm, revisions, logger: silent() }).upgrade(), SETTLE_MS);
  t.equal(outcome.status, 'rejected', 'upgrade() settles, failing');
  const error = outcome.status === 'rejected' ? outcome.error : undefined;
  t.type(error, DatabaseError, `typed: ${(error as Error)?.message}`);
  t.equal((error as UpshiftError).code, 'UPSHIFT_DATABASE_ERROR');
  t.equal((error as DatabaseError).revisionId, 'rev_last');
  t.match((error as Error).message, /revision "rev_last".*COMMIT.*whether it committed is unknown/s);

  // The fault landed where it was meant to: a unit's connection, at the COMMIT after rev_last's version row.
  const sent = proxy.queries.filter((q) => q.connection === proxy.cut?.connection).map((q) => q.sql);
  t.equal(proxy.cut?.cut, cut, 'the COMMIT was cut');
  t.match(sent.at(-2), LAST_VERSION_ROW, 'right after the version row of rev_last');
  t.notOk(
    sent.some((sql) => /get_lock/i.test(sql)),
    "on a unit's connection, not the lock's",
  );
  t.same(await versionRows(db), WHERE_IT_ENDS[cut].before, `${cut}: what the server kept`);
  t.ok(await lockIsFree(db), 'the GET_LOCK is released: another connection could take it at once');
  return orm;
}

/** The next upgrade() succeeded, at head, and every revision's statements ran exactly once. */
async function endsAtHead(
  t: TapTest,
  db: TestDatabase<'mariadb'>,
  next: Settled<UpgradeResult>,
  cut: CommitCut,
  lastHasDdl: boolean,
): Promise<void> {
  t.equal(next.status, 'resolved', 'the next upgrade() succeeds');
  if (next.status === 'resolved') {
    t.same(next.value.applied, WHERE_IT_ENDS[cut].appliedNext, 'it applies what was rolled back, nothing else');
    t.same(next.value.current, ['rev_last'], 'and ends at head');
  }
  t.same(await versionRows(db), ['rev_counter', 'rev_last'], 'one version row per revision');
  t.same(await runs(db), ['rev_counter', 'rev_last'], "each revision's statements ran exactly once");
  t.same(await userTables(db), lastHasDdl ? ['made_once', 'runs'] : ['runs']);
  t.same(await db.query('select id from upshift_revisions_progress'), [], 'no progress row is left');
}

for (const cut of ['before-commit', 'after-commit'] as const) {
  for (const lastHasDdl of [true, false]) {
    onMariadb(
      `the version row's COMMIT cut ${cut} (a last revision of ${lastHasDdl ? 'DDL and DML' : 'DML only'}): typed, lock let go, a fresh boot ends at head, each statement ran once`,
      async (t, db) => {
        const revisions = countingRevisions(lastHasDdl);
        const orm = await cutLastCommit(t, db, cut, revisions);
        t.equal((await settleWithin(orm.close(true), SETTLE_MS)).status, 'resolved', 'orm.close() settles');
        const fresh = await db.orm();
        const next = await settleWithin(new Migrator({ orm: fresh, revisions, logger: silent() }).upgrade(), SETTLE_MS);
        await endsAtHead(t, db, next, cut, lastHasDdl);
        t.equal((await settleWithin(fresh.close(true), SETTLE_MS)).status, 'resolved');
      },
    );
  }

  onMariadb(
    `the version row's COMMIT cut ${cut}: the same ORM's next upgrade() ends at head, each statement ran once`,
    async (t, db) => {
      const revisions = countingRevisions(true);
      const orm = await cutLastCommit(t, db, cut, revisions);
      const next = await settleWithin(new Migrator({ orm, revisions, logger: silent() }).upgrade(), SETTLE_MS);
      await endsAtHead(t, db, next, cut, true);
      t.equal((await settleWithin(orm.close(true), SETTLE_MS)).status, 'resolved', 'orm.close() settles');
    },
  );
}

/** mysql2's pool (what MikroORM's getNativeClient() returns), as far as these tests look into it. */
interface Mysql2Pool {
  _allConnections: { length: number; get(i: number): { stream?: { destroyed?: boolean }; threadId?: number } };
}

/** The server ids of the connections the pool holds, and how many of them have a dead socket. */
function poolConnections(pool: Mysql2Pool): { ids: number[]; dead: number } {
  const ids: number[] = [];
  let dead = 0;
  for (let i = 0; i < pool._allConnections.length; i++) {
    const connection = pool._allConnections.get(i);
    if (connection.stream?.destroyed) dead++;
    else ids.push(Number(connection.threadId));
  }
  return { ids: ids.sort(), dead };
}

/** The connections the server has open on the test database, the test's own left out. */
async function serverConnections(db: TestDatabase<'mariadb'>): Promise<number[]> {
  const rows = await db.query<{ id: number }>(
    'select id from information_schema.processlist where db = ? and id <> connection_id() order by id',
    [databaseName(db)],
  );
  return rows.map((r) => Number(r.id)).sort();
}

/** KILLs every connection on the test database but the test's own and the lock's; returns their ids. */
async function killPooledConnections(db: TestDatabase<'mariadb'>): Promise<number[]> {
  const [holder] = await db.query<{ owner: number | null }>('select is_used_lock(?) as owner', [lockName(db)]);
  const victims = (await serverConnections(db)).filter((id) => id !== Number(holder?.owner));
  // A connection that closed just now may still be listed: it is gone already, nothing to KILL.
  for (const id of victims) await db.query(`kill ${id}`).catch(() => undefined);
  return victims;
}

onMariadb(
  "the unit's pooled connection KILLed mid-revision: typed, the pool keeps no dead connection, the same ORM resumes and closes",
  async (t, db) => {
    let victims: number[] = [];
    const revisions: Revision[] = [
      defineRevision({
        id: 'rev_killed',
        parents: [],
        createdAt: '2026-01-01T00:00:01.000Z',
        async up({ sql }) {
          await sql('create table a (id int primary key)');
          await sql('insert into a (id) values (1)');
          await sql('create table b (id int primary key)');
          if (victims.length === 0) victims = await killPooledConnections(db);
          await sql('create table c (id int primary key)');
          await sql('insert into c (id) values (1)');
        },
      }),
    ];
    const orm = await db.orm();
    const pool = (await orm.em.getConnection().getNativeClient()) as unknown as Mysql2Pool;
    const migrator = new Migrator({ orm, revisions, logger: silent() });

    const outcome = await settleWithin(migrator.upgrade(), SETTLE_MS);
    t.equal(outcome.status, 'rejected', 'upgrade() settles, failing');
    const error = outcome.status === 'rejected' ? outcome.error : undefined;
    t.ok(victims.length > 0, `the unit's connection was KILLed (${victims.join(', ')})`);
    t.type(error, DatabaseError, `typed: ${(error as Error)?.message}`);
    t.equal((error as UpshiftError).code, 'UPSHIFT_DATABASE_ERROR');
    t.equal((error as DatabaseError).revisionId, 'rev_killed');
    t.match(
      (error as Error).message,
      /revision "rev_killed".*progress table records how far it got/s,
      'it says the committed DDL is recorded and the next call resumes',
    );
    t.notMatch(
      (error as Error).message,
      /transaction: false/,
      'not the advice for a revision run outside a transaction',
    );
    t.ok(await lockIsFree(db), 'the GET_LOCK is released');

    // The ROLLBACK failed on the dead connection: the pool must not keep it counted.
    const held = poolConnections(pool);
    t.equal(held.dead, 0, 'the pool holds no connection whose socket is gone');
    t.notOk(
      held.ids.some((id) => victims.includes(id)),
      'none of the KILLed connections is in the pool',
    );
    const open = await serverConnections(db);
    t.ok(
      held.ids.every((id) => open.includes(id)),
      'every connection the pool holds is open on the server',
    );

    const again = await settleWithin(migrator.upgrade(), SETTLE_MS);
    t.equal(again.status, 'resolved', 'the same ORM runs the next upgrade() on live connections');
    if (again.status === 'resolved') t.same(again.value.applied, ['rev_killed'], 'resumed');
    t.notOk(
      poolConnections(pool).ids.some((id) => victims.includes(id)),
      'on new connections, not the KILLed ones',
    );
    t.same(await userTables(db), ['a', 'b', 'c']);
    t.same(await db.query('select id from a'), [{ id: 1 }], 'the insert that committed before the KILL ran once');
    t.same(await db.query('select id from c'), [{ id: 1 }]);
    t.same(await versionRows(db), ['rev_killed']);
    t.equal((await settleWithin(orm.close(true), SETTLE_MS)).status, 'resolved', 'orm.close() settles');
  },
);

onMariadb(
  "the pool's idle connections KILLed between two upgrade() calls: the next call settles, the pool heals, head is reached",
  async (t, db) => {
    const revision = (id: string, parents: string[], second: number) =>
      defineRevision({
        id,
        parents,
        createdAt: `2026-01-01T00:00:0${second}.000Z`,
        async up({ sql }) {
          await sql(`create table ${id} (id int primary key)`);
        },
      });
    const first = revision('rev_first', [], 1);
    const revisions = [first, revision('rev_second', ['rev_first'], 2)];
    const orm = await db.orm();
    const pool = (await orm.em.getConnection().getNativeClient()) as unknown as Mysql2Pool;
    t.same((await new Migrator({ orm, revisions: [first], logger: silent() }).upgrade()).applied, ['rev_first']);
    const victims = await killPooledConnections(db);
    t.ok(victims.length > 0, `the pool's idle connections were KILLed (${victims.join(', ')})`);

    const migrator = new Migrator({ orm, revisions, logger: silent() });
    // The pool may hand out a KILLed connection before mysql2 has read the server's goodbye on
    // it: the boot read is sent again on a live one, so the call itself succeeds.
    const outcome = await settleWithin(migrator.upgrade(), SETTLE_MS);
    if (outcome.status === 'rejected') t.fail(`upgrade() failed: ${(outcome.error as Error).message}`);
    t.equal(outcome.status, 'resolved', 'upgrade() settles and reaches head');
    if (outcome.status === 'resolved') t.same(outcome.value.current, ['rev_second']);
    t.same(await versionRows(db), ['rev_first', 'rev_second']);
    const held = poolConnections(pool);
    t.equal(held.dead, 0, 'the pool holds no connection whose socket is gone');
    t.notOk(
      held.ids.some((id) => victims.includes(id)),
      'none of the KILLed connections is in the pool',
    );
    t.equal((await settleWithin(orm.close(true), SETTLE_MS)).status, 'resolved', 'orm.close() settles');
  },
);

onMariadb('the boot read on a connection that died while idle is sent again on a live one', async (t, db) => {
  const proxy = await MysqlProxy.start();
  t.teardown(() => proxy.close());
  const orm = await db.orm([], { clientUrl: proxy.urlFor(db.location) });
  const revisions = countingRevisions(true);
  t.same((await new Migrator({ orm, revisions: revisions.slice(0, 1), logger: silent() }).upgrade()).current, [
    revisions[0]!.id,
  ]);
  const bootRead = /from `upshift_revisions_state`/;
  const before = proxy.queries.length;
  proxy.dropQuery(bootRead);
  const outcome = await settleWithin(new Migrator({ orm, revisions, logger: silent() }).upgrade(), SETTLE_MS);
  if (outcome.status === 'rejected') t.fail(`upgrade() failed: ${(outcome.error as Error).message}`);
  t.equal(outcome.status, 'resolved', 'upgrade() succeeds');
  const reads = proxy.queries.slice(before).filter((q) => bootRead.test(q.sql));
  t.ok(reads.length >= 2, 'the boot read was sent again');
  t.not(reads[1]?.connection, reads[0]?.connection, 'on another connection');
  t.same(await runs(db), ['rev_counter', 'rev_last'], 'each revision ran once');
  t.equal((await settleWithin(orm.close(true), SETTLE_MS)).status, 'resolved', 'orm.close() settles');
});

/** countingRevisions(true) with a down() for rev_last: DDL that fails if run twice, then DML. */
function reversibleRevisions(): Revision[] {
  const [counter, last] = countingRevisions(true);
  return [
    counter!,
    defineRevision({
      ...last!,
      async down({ sql }) {
        await sql('drop table made_once');
        await sql("insert into runs (revision) values ('rev_last down')");
      },
    }),
  ];
}

const LAST_VERSION_ROW_REMOVED = /^delete from `upshift_revisions` where `id` = 'rev_last'/;

for (const cut of ['before-commit', 'after-commit'] as const) {
  onMariadb(
    `a downgrade's COMMIT of the version row's removal cut ${cut}: typed, lock let go, the next downgrade ends at the target, each statement ran once`,
    async (t, db) => {
      const revisions = reversibleRevisions();
      const direct = await db.orm();
      t.same((await new Migrator({ orm: direct, revisions, logger: silent() }).upgrade()).current, ['rev_last']);

      const proxy = await MysqlProxy.start();
      t.teardown(() => proxy.close());
      const orm = await db.orm([], { clientUrl: proxy.urlFor(db.location) });
      proxy.cutCommitAfter({ marker: LAST_VERSION_ROW_REMOVED, cut });
      const outcome = await settleWithin(
        new Migrator({ orm, revisions, logger: silent() }).downgrade('rev_counter'),
        SETTLE_MS,
      );
      t.equal(outcome.status, 'rejected', 'downgrade() settles, failing');
      const error = outcome.status === 'rejected' ? outcome.error : undefined;
      t.type(error, DatabaseError, `typed: ${(error as Error)?.message}`);
      t.equal((error as DatabaseError).revisionId, 'rev_last');
      t.match((error as Error).message, /revision "rev_last".*COMMIT.*whether it committed is unknown/s);
      const sent = proxy.queries.filter((q) => q.connection === proxy.cut?.connection).map((q) => q.sql);
      t.equal(proxy.cut?.cut, cut, 'the COMMIT was cut');
      t.ok(
        sent.some((sql) => LAST_VERSION_ROW_REMOVED.test(sql)),
        "on the connection that removed rev_last's version row",
      );
      t.same(
        await versionRows(db),
        cut === 'before-commit' ? ['rev_counter', 'rev_last'] : ['rev_counter'],
        `${cut}: what the server kept`,
      );
      t.ok(await lockIsFree(db), 'the GET_LOCK is released');
      t.equal((await settleWithin(orm.close(true), SETTLE_MS)).status, 'resolved', 'orm.close() settles');

      const next = await settleWithin(
        new Migrator({ orm: direct, revisions, logger: silent() }).downgrade('rev_counter'),
        SETTLE_MS,
      );
      t.equal(
        next.status,
        'resolved',
        `the next downgrade() succeeds ${next.status === 'rejected' ? String(next.error) : ''}`,
      );
      if (next.status === 'resolved') {
        t.same(
          next.value.reverted,
          cut === 'before-commit' ? ['rev_last'] : [],
          'it reverts what was rolled back, nothing else',
        );
        t.same(next.value.current, ['rev_counter']);
      }
      t.same(await versionRows(db), ['rev_counter']);
      t.same(await runs(db), ['rev_counter', 'rev_last', 'rev_last down'], "the down's statements ran exactly once");
      t.same(await userTables(db), ['runs'], 'the dropped table is gone (its DROP was not sent twice)');
      t.same(await db.query('select id from upshift_revisions_progress'), [], 'no progress row is left');
      t.equal((await settleWithin(direct.close(true), SETTLE_MS)).status, 'resolved');
    },
  );
}
