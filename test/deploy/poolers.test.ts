import { ConfigurationError, defineRevision, LockTimeoutError, Migrator } from 'upshift';
import { ADVISORY_LOCKS_HERE, holdLock } from '../helpers/hold-lock.ts';
import { chain, revisionId } from '../helpers/revisions.ts';
import { versionRows } from '../helpers/schema.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';
import { onPostgres } from '../helpers/each-dialect.ts';
import { startWorker } from '../helpers/workers.ts';

const ids = (n: number) => Array.from({ length: n }, (_, i) => revisionId('rev', i + 1));

onPostgres(
  "lock.scope 'transaction': upgrades in one transaction that itself holds the advisory lock, on the pooled connection",
  async (t, db) => {
    const orm = await db.orm();
    const seen: Record<string, unknown>[] = [];
    const probe = defineRevision({
      id: 'probe1',
      parents: [],
      async up({ sql }) {
        const [row] = await sql(
          'select (select count(*) from pg_locks where locktype = \'advisory\' and granted and pid = pg_backend_pid())::int as "own", ' +
            `(select count(*) from pg_locks where ${ADVISORY_LOCKS_HERE} and granted and pid <> pg_backend_pid())::int as "others", ` +
            'current_setting(\'application_name\') as "app"',
        );
        seen.push(row!);
        await sql('create table probe (id integer)');
      },
      async down({ sql }) {
        await sql('drop table probe');
      },
    });
    const revisions = [probe, ...chain(4).map((r, i) => (i === 0 ? defineRevision({ ...r, parents: ['probe1'] }) : r))];
    const m = new Migrator({ orm, revisions, logger: memoryLogger().logger, lock: { scope: 'transaction' } });
    const result = await m.upgrade();
    t.same(result.applied, ['probe1', ...ids(4)]);
    t.same(await versionRows(db), ['probe1', ...ids(4)].sort());
    t.equal(seen[0]!.own, 1, "the revision's own transaction holds the advisory lock");
    t.equal(seen[0]!.others, 0, 'no other backend (no dedicated lock connection) holds one');
    t.match(
      seen[0]!.app,
      /^upshift .* pid \d+$/,
      'application_name names upshift, host and pid while it runs (SET LOCAL)',
    );
    const [after] = await db.query<{ n: number }>(
      `select count(*)::int as n from pg_locks where ${ADVISORY_LOCKS_HERE}`,
    );
    t.equal(after!.n, 0, 'commit released the lock');
    t.same((await m.upgrade()).applied, [], 'then up to date (fast path)');
    t.same(
      (await m.downgrade('-2')).reverted,
      [revisionId('rev', 4), revisionId('rev', 3)],
      'downgrade works in this mode',
    );
    t.same((await m.stamp('heads')).added, [revisionId('rev', 3), revisionId('rev', 4)], 'and stamp');
  },
);

onPostgres(
  "lock.scope 'transaction' waits for a session holder, names it, and times out with LockTimeoutError",
  async (t, db) => {
    const held = await holdLock(db);
    t.teardown(() => held.release());
    const orm = await db.orm();
    const { logger, lines } = memoryLogger();
    const m = new Migrator({ orm, revisions: chain(2), logger, lock: { scope: 'transaction', timeoutMs: 1500 } }); // past the 1 s before a wait is reported
    const error = (await m.upgrade().catch((e: unknown) => e)) as LockTimeoutError;
    t.type(error, LockTimeoutError);
    t.equal(error.holder?.pid, held.pid);
    t.equal(error.holder?.applicationName, 'test lock holder');
    t.ok(
      lines.some((l) =>
        /waiting for the PostgreSQL advisory transaction lock .* held by backend pid/.test(String(l.msg)),
      ),
      'the wait names the holder',
    );
    await held.release();
    t.same((await m.upgrade()).applied, ids(2), 'once released it applies');
  },
);

onPostgres(
  "lock.scope 'transaction' refuses transaction: false revisions and transaction: 'each' in the constructor",
  async (t, db) => {
    const orm = await db.orm();
    const outside = defineRevision({ id: 'conc1', parents: [], transaction: false, up: async () => undefined });
    t.throws(() => new Migrator({ orm, revisions: [outside], lock: { scope: 'transaction' } }), ConfigurationError);
    t.throws(() => new Migrator({ orm, revisions: [outside], lock: { scope: 'transaction' } }), {
      message: /revision "conc1" has transaction: false/,
    });
    t.throws(() => new Migrator({ orm, revisions: chain(1), lock: { scope: 'transaction' }, transaction: 'each' }), {
      message: /transaction: "all"/,
    });
    t.throws(() => new Migrator({ orm, revisions: chain(1), lock: { scope: 'pool' as never } }), ConfigurationError);
    t.same(
      await db.query("select 1 from pg_tables where tablename = 'upshift_revisions'"),
      [],
      'nothing touched the database',
    );
  },
);

onPostgres("lock.scope 'transaction': 6 processes at once apply each revision exactly once", async (t, db) => {
  const workers = Array.from({ length: 6 }, () =>
    startWorker(db, { REVISIONS: 20, DELAY_MS: 5, SCOPE: 'transaction', BARRIER: 1 }),
  );
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.go();
  const results = await Promise.all(workers.map((w) => w.done));
  for (const r of results) t.equal(r.code, 0, 'worker exits 0', r.code === 0 ? {} : { stderr: r.stderr.slice(-1500) });
  const applied = results.flatMap((r) => (r.result?.applied as string[]) ?? []);
  t.same(applied.sort(), ids(20), 'together they applied each revision once');
  t.equal(
    results.filter((r) => ((r.result?.applied ?? []) as string[]).length > 0).length,
    1,
    'one transaction applied them all',
  );
  const side = await db.query<{ revision: string; n: number }>(
    'select revision, count(*)::int as n from side_effects group by revision order by revision',
  );
  t.same(
    side.map((s) => s.n),
    Array(20).fill(1),
    'one side-effect row per revision',
  );
});
