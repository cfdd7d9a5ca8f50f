import mysql from 'mysql2/promise';
import {
  ConfigurationError,
  defineRevision,
  LockTimeoutError,
  Migrator,
  RevisionFailedError,
  RevisionNotResumableError,
  TenantMigrator,
  UpshiftError,
  type Revision,
} from 'upshift';
import { onMariadb } from './helpers/each-dialect.ts';
import type { AnyDialectName, TestDatabase } from './helpers/databases.ts';
import { chain } from './helpers/revisions.ts';
import { userTables, versionRows } from './helpers/schema.ts';
import { memoryLogger } from './helpers/silent-logger.ts';
import { countedOrm } from './helpers/counting.ts';

const tables = (...ids: string[]) => ids.map((id) => `t_${id}`).sort();
const silent = () => memoryLogger().logger;

/** Kills every connection to the test database but the test's own: the app's pool and the lock's. */
async function killAppConnections(db: TestDatabase<AnyDialectName>): Promise<number> {
  const name = db.location.split('/').pop()!;
  const rows = await db.query<{ id: number }>(
    'select id from information_schema.processlist where db = ? and id <> connection_id()',
    [name],
  );
  for (const row of rows) await db.query(`kill ${Number(row.id)}`).catch(() => undefined);
  return rows.length;
}

/** Resolves false when `promise` takes longer than `ms` (orm.close() must not hang). */
function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
  ]);
}

onMariadb('upgrade, downgrade, stamp, status, history through the Migrator', async (t, db) => {
  const orm = await db.orm();
  const m = new Migrator({ orm, revisions: chain(4), logger: silent() });
  t.same(await m.current(), []);
  t.same((await m.upgrade('rev0002')).applied, ['rev0001', 'rev0002']);
  t.same(await userTables(db), tables('rev0001', 'rev0002'));
  t.same((await m.upgrade()).applied, ['rev0003', 'rev0004']);
  t.same(await versionRows(db), ['rev0001', 'rev0002', 'rev0003', 'rev0004']);
  t.same((await m.upgrade()).applied, [], 'nothing to do');
  const [state] = await db.query<{ n: number }>('select count(*) as n from upshift_revisions_state');
  t.equal(Number(state?.n), 1, 'the state row is written: the next boot is one statement');
  t.same((await m.downgrade('-2')).reverted, ['rev0004', 'rev0003']);
  t.same(await userTables(db), tables('rev0001', 'rev0002'));
  const status = await m.status();
  t.equal(status.upToDate, false);
  t.same(status.pending, ['rev0003', 'rev0004']);
  t.same((await m.stamp('head')).added, ['rev0003', 'rev0004']);
  t.same(await m.current(), ['rev0004']);
  t.same(await userTables(db), tables('rev0001', 'rev0002'), 'stamp ran nothing');
  const history = await m.history();
  t.equal(history.length, 4);
  t.ok(
    history.every((h) => h.appliedAt instanceof Date && !Number.isNaN(h.appliedAt.getTime())),
    'every row has its time',
  );
  t.same(await db.query('select * from upshift_revisions_progress'), [], 'no progress row after clean runs');
});

onMariadb('an up-to-date database: one statement, no lock, even while another connection holds it', async (t, db) => {
  await new Migrator({ orm: await db.orm(), revisions: chain(20), logger: silent() }).upgrade();
  const name = `upshift:${db.location.split('/').pop()}.upshift_revisions`;
  await db.query('select get_lock(?, 0)', [name]);
  const { orm, statements } = await countedOrm(db);
  const result = await new Migrator({
    orm,
    revisions: chain(20),
    logger: silent(),
    lock: { timeoutMs: 100 },
  }).upgrade();
  t.same(result.applied, []);
  t.equal(statements.length, 1, `exactly one statement: ${statements.join(' | ')}`);
  t.match(
    statements[0],
    /select `keys_digest` as `digest`, database\(\) as `database`.* from `upshift_revisions_state`/,
  );
  await db.query('select release_lock(?)', [name]);
});

onMariadb('a lock held by another connection: waits, then LockTimeoutError naming the holder', async (t, db) => {
  const orm = await db.orm();
  const name = `upshift:${db.location.split('/').pop()}.upshift_revisions`;
  const [held] = await db.query<{ got: number; id: number }>('select get_lock(?, 0) as got, connection_id() as id', [
    name,
  ]);
  t.equal(Number(held?.got), 1, 'the test holds the lock');
  const m = new Migrator({ orm, revisions: chain(1), logger: silent(), lock: { timeoutMs: 700 } });
  const started = Date.now();
  const error = await m.upgrade().catch((e: unknown) => e);
  t.type(error, LockTimeoutError);
  t.ok(Date.now() - started >= 650, 'it waited for the timeout');
  t.equal((error as LockTimeoutError).holder?.pid, Number(held?.id), 'the holder is the test connection');
  t.match((error as Error).message, new RegExp(`${held?.id}.*user root`), 'the message names it');
  t.same(await userTables(db), [], 'nothing ran');
  await db.query('select release_lock(?)', [name]);
  t.same((await m.upgrade()).applied, ['rev0001'], 'once released, the upgrade runs');
});

onMariadb(
  'connections killed mid-revision: a typed error, then the next boot resumes after the last committed statement',
  async (t, db) => {
    const runs: string[] = [];
    let kill = true;
    const revisions: Revision[] = [
      defineRevision({
        id: 'rev_kill',
        parents: [],
        createdAt: '2026-01-01T00:00:01.000Z',
        async up({ sql }) {
          runs.push('create a');
          await sql('create table a (id int primary key)');
          await sql('insert into a (id) values (1)');
          runs.push('create b');
          await sql('create table b (id int primary key)');
          if (kill) {
            kill = false;
            await killAppConnections(db);
          }
          runs.push('create c');
          await sql('create table c (id int primary key)');
          await sql('insert into c (id) values (1)');
        },
      }),
    ];
    const orm = await db.orm();
    const error = await new Migrator({ orm, revisions, logger: silent() }).upgrade().catch((e: unknown) => e);
    t.type(error, UpshiftError, `typed: ${(error as Error)?.message}`);
    t.match((error as UpshiftError).message, /rev_kill/, 'it names the revision');
    t.ok(await settlesWithin(orm.close(true), 5_000), 'orm.close() does not hang on the killed connections');
    const [progress] = await db.query<{ completed: number }>('select completed from upshift_revisions_progress');
    t.equal(Number(progress?.completed), 3, 'three statements committed (create a, insert, create b)');
    t.same(await versionRows(db), [], 'not recorded as applied');

    const again = await db.orm();
    t.same((await new Migrator({ orm: again, revisions, logger: silent() }).upgrade()).applied, ['rev_kill']);
    t.same(await userTables(db), ['a', 'b', 'c']);
    t.same(await db.query('select id from a'), [{ id: 1 }], 'the committed insert ran once');
    t.same(await db.query('select id from c'), [{ id: 1 }]);
    t.same(await db.query('select * from upshift_revisions_progress'), []);
    t.same(await versionRows(db), ['rev_kill']);
  },
);

onMariadb(
  'a cut revision that read rows is refused with RevisionNotResumableError, and nothing of it runs again',
  async (t, db) => {
    let kill = true;
    const revisions: Revision[] = [
      defineRevision({
        id: 'reads',
        parents: [],
        createdAt: '2026-01-01T00:00:01.000Z',
        async up({ sql }) {
          await sql('create table a (id int primary key)');
          const [row] = await sql<{ n: number }>('select count(*) as n from a');
          await sql(`create table b (id int primary key, n int default ${Number(row?.n)})`);
          if (kill) {
            kill = false;
            await killAppConnections(db);
          }
          await sql('create table c (id int primary key)');
        },
      }),
    ];
    const orm = await db.orm();
    t.type(await new Migrator({ orm, revisions, logger: silent() }).upgrade().catch((e: unknown) => e), UpshiftError);
    await orm.close(true);
    const again = await db.orm();
    const error = await new Migrator({ orm: again, revisions, logger: silent() }).upgrade().catch((e: unknown) => e);
    t.type(error, RevisionNotResumableError);
    t.equal((error as RevisionNotResumableError).revisionId, 'reads');
    t.equal((error as RevisionNotResumableError).completedStatements, 3);
    t.match((error as Error).message, /statement 3 committed.*reads data or uses ctx\.em.*Recovery:/s);
    t.same(await userTables(db), ['a', 'b'], 'nothing ran again');
    t.same(await versionRows(db), []);
  },
);

onMariadb('a revision of DML only that fails midway leaves nothing: one transaction', async (t, db) => {
  const orm = await db.orm();
  await db.query('create table items (id int primary key)');
  const revisions: Revision[] = [
    defineRevision({
      id: 'dml_only',
      parents: [],
      createdAt: '2026-01-01T00:00:01.000Z',
      async up({ sql }) {
        await sql('insert into items (id) values (1)');
        await sql('insert into items (id) values (2)');
        await sql('insert into items (id) values (1)'); // duplicate key
      },
    }),
  ];
  const error = await new Migrator({ orm, revisions, logger: silent() }).upgrade().catch((e: unknown) => e);
  t.type(error, RevisionFailedError);
  t.equal((error as RevisionFailedError).rolledBack, true);
  t.same(await db.query('select id from items'), [], 'no row of it is left');
  t.same(await db.query('select * from upshift_revisions_progress'), [], 'no progress row');
  t.same(await versionRows(db), []);
});

onMariadb(
  'a DDL statement failing after others committed: RevisionFailedError says so, and the same revision resumes',
  async (t, db) => {
    const orm = await db.orm();
    await db.query('create table blocker (id int primary key)');
    const revisions: Revision[] = [
      defineRevision({
        id: 'ddl_partly',
        parents: [],
        createdAt: '2026-01-01T00:00:01.000Z',
        async up({ sql }) {
          await sql('create table x (id int primary key)');
          await sql('create table blocker (id int primary key)'); // fails while the blocker exists
          await sql('create table y (id int primary key)');
        },
      }),
    ];
    const m = new Migrator({ orm, revisions, logger: silent() });
    const error = await m.upgrade().catch((e: unknown) => e);
    t.type(error, RevisionFailedError);
    t.equal((error as RevisionFailedError).rolledBack, false);
    t.match((error as Error).message, /committed its DDL statements.*resume/);
    await db.query('drop table blocker');
    t.same((await m.upgrade()).applied, ['ddl_partly'], 'resumed: "create table x" is not run again (it would fail)');
    t.same(await userTables(db), ['blocker', 'x', 'y']);
  },
);

onMariadb('what MariaDB cannot do honestly is refused with ConfigurationError, before any statement', async (t, db) => {
  const orm = await db.orm();
  const m = new Migrator({ orm, revisions: chain(1), logger: silent() });
  for (const [what, call] of [
    ['dry run (upgrade)', () => m.upgrade(undefined, { dryRun: true })],
    ['dry run (downgrade)', () => m.downgrade('base', { dryRun: true })],
    ['offline SQL', () => m.sql('upgrade')],
  ] as const) {
    const error = await call().catch((e: unknown) => e);
    t.type(error, ConfigurationError, what);
    t.match((error as Error).message, /MariaDB\/MySQL.*(commit|transaction)/, `${what}: says why`);
  }
  t.throws(
    () => new Migrator({ orm, revisions: chain(1), transaction: 'all' }),
    { name: 'ConfigurationError', message: /transaction: "all".*implicitly/ },
    'transaction: "all"',
  );
  t.throws(
    () => new TenantMigrator({ orm, revisions: chain(1), schemas: ['t1'] }),
    { name: 'ConfigurationError', message: /schema per tenant is a PostgreSQL feature/ },
    'tenants',
  );
  t.throws(() => new Migrator({ orm, revisions: chain(1), schema: 'x' }), { name: 'ConfigurationError' }, 'schema');
  t.throws(
    () => new Migrator({ orm, revisions: chain(1), lock: { scope: 'transaction' } }),
    { name: 'ConfigurationError', message: /GET_LOCK/ },
    'lock.scope "transaction"',
  );
  t.same(await userTables(db), [], 'nothing ran');
  const [tablesLeft] = await db.query<{ n: number }>(
    "select count(*) as n from information_schema.tables where table_schema = database() and table_name like 'upshift%'",
  );
  t.equal(Number(tablesLeft?.n), 0, "not even upshift's tables were created");
});

onMariadb(
  'a version-row write is fenced on the lock connection: IS_USED_LOCK checked in the same statement',
  async (t, db) => {
    const orm = await db.orm();
    let attempt = 0;
    const name = `upshift:${db.location.split('/').pop()}.upshift_revisions`;
    const revisions: Revision[] = [
      defineRevision({
        id: 'fenced',
        parents: [],
        createdAt: '2026-01-01T00:00:01.000Z',
        async up({ sql }) {
          attempt++;
          await sql('insert into items (id) values (?)', [attempt]);
          if (attempt === 1) {
            // Another connection takes the lock after upshift's lock connection dies.
            const lockConnection = await db.query<{ id: number }>(
              "select id from information_schema.processlist where db = database() and id <> connection_id() and command = 'Sleep' order by id",
            );
            const holder = await db.query<{ owner: number }>('select is_used_lock(?) as owner', [name]);
            if (holder[0]?.owner != null) await db.query(`kill ${Number(holder[0].owner)}`);
            t.ok(lockConnection.length > 0);
            const other = await mysql.createConnection({ uri: db.location });
            for (let i = 0; i < 50; i++) {
              const [[got]] = (await other.query('select get_lock(?, 0) as got', [name])) as unknown as [
                [{ got: number }],
              ];
              if (Number(got?.got) === 1) break;
              await new Promise((r) => setTimeout(r, 20));
            }
            otherConnection = other;
          }
        },
      }),
    ];
    let otherConnection: mysql.Connection | undefined;
    await db.query('create table items (id int primary key)');
    const error = await new Migrator({ orm, revisions, logger: silent() }).upgrade().catch((e: unknown) => e);
    t.type(error, UpshiftError);
    t.equal((error as UpshiftError).code, 'UPSHIFT_LOCK_LOST', `${(error as Error).message}`);
    t.same(await versionRows(db), [], 'no version row written without the lock');
    t.same(await db.query('select id from items'), [], "the revision's DML was rolled back with it");
    await otherConnection?.end();
  },
);

onMariadb('a downgrade cut mid-revision: an upgrade is refused, the downgrade resumes', async (t, db) => {
  let kill = false;
  const revisions: Revision[] = [
    defineRevision({
      id: 'two_tables',
      parents: [],
      createdAt: '2026-01-01T00:00:01.000Z',
      async up({ sql }) {
        await sql('create table a (id int primary key)');
        await sql('create table b (id int primary key)');
      },
      async down({ sql }) {
        await sql('drop table b');
        if (kill) {
          kill = false;
          await killAppConnections(db);
        }
        await sql('drop table a');
      },
    }),
  ];
  const first = await db.orm();
  await new Migrator({ orm: first, revisions, logger: silent() }).upgrade();
  kill = true;
  t.type(
    await new Migrator({ orm: first, revisions, logger: silent() }).downgrade('base').catch((e: unknown) => e),
    UpshiftError,
  );
  await first.close(true);
  t.same(await userTables(db), ['a'], 'its first statement committed');
  t.same(await versionRows(db), ['two_tables'], 'still recorded: the downgrade did not finish');

  const orm = await db.orm();
  const m = new Migrator({ orm, revisions, logger: silent() });
  const up = await m.upgrade('two_tables').catch((e: unknown) => e);
  t.same(
    up,
    { applied: [], skipped: [], current: ['two_tables'], durationMs: (up as { durationMs: number }).durationMs },
    'nothing to upgrade: it is recorded',
  );
  const error = await m.stamp('base').then(
    () => undefined,
    (e: unknown) => e,
  );
  t.equal(error, undefined, 'stamp is the documented way out, and is not blocked');
  await m.stamp('two_tables');
  t.same(
    (await m.downgrade('base')).reverted,
    ['two_tables'],
    'the downgrade resumes: "drop table b" is not sent again',
  );
  t.same(await userTables(db), []);
  t.same(await db.query('select * from upshift_revisions_progress'), []);
});

onMariadb('an upgrade after a cut downgrade of another revision is refused, naming it', async (t, db) => {
  let kill = false;
  const make = (id: string, parents: string[], second: number) =>
    defineRevision({
      id,
      parents,
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
      async up({ sql }) {
        await sql(`create table ${id}_a (id int primary key)`);
        await sql(`create table ${id}_b (id int primary key)`);
      },
      async down({ sql }) {
        await sql(`drop table ${id}_b`);
        if (kill) {
          kill = false;
          await killAppConnections(db);
        }
        await sql(`drop table ${id}_a`);
      },
    });
  const revisions = [make('base_rev', [], 1), make('top_rev', ['base_rev'], 2)];
  const first = await db.orm();
  await new Migrator({ orm: first, revisions, logger: silent() }).upgrade();
  kill = true;
  await new Migrator({ orm: first, revisions, logger: silent() }).downgrade('-1').catch(() => undefined);
  await first.close(true);
  const orm = await db.orm();
  await db.query("delete from upshift_revisions where id = 'top_rev'"); // a hand edit: top_rev now looks pending
  const error = await new Migrator({ orm, revisions, logger: silent() }).upgrade().catch((e: unknown) => e);
  t.type(error, RevisionNotResumableError);
  t.match((error as Error).message, /"top_rev".*interrupted while being reverted/);
  t.same(await userTables(db), ['base_rev_a', 'base_rev_b', 'top_rev_a'], 'nothing ran');
});
