import t from 'tap';
import { resumePoint, type ProgressRow } from '../lib/dialect/mariadb/progress.ts';
import { RevisionNotResumableError } from '../lib/errors.ts';
import { onMariadb } from './helpers/each-dialect.ts';
import { startWorker } from './helpers/workers.ts';
import { killMariadb } from './stress/kill-mariadb.ts';

const row = (over: Partial<ProgressRow> = {}): ProgressRow => ({
  id: 'rev001',
  checksum: 'c1',
  completed: 3,
  attempting: 3,
  schemaBefore: 'S',
  total: 7,
  resumable: true,
  ...over,
});
const revision = { checksum: 'c1', total: 7, resumable: true };

t.test('resumePoint: the statement after the last that committed, never one that committed', async (t) => {
  t.equal(resumePoint(row(), revision, 'S'), 3, 'between two statements: the next one');
  t.equal(
    resumePoint(row({ attempting: 4 }), revision, 'S'),
    3,
    'cut inside statement 4, schema unchanged: 4 did not commit, run it',
  );
  t.equal(
    resumePoint(row({ attempting: 4 }), revision, 'S2'),
    4,
    'cut inside statement 4, schema changed: 4 committed, skip it',
  );
  for (const [what, r, rev] of [
    ['reads data or uses ctx.em', row({ resumable: false }), revision],
    ['its text changed', row(), { ...revision, checksum: 'c2' }],
  ] as const) {
    const error = (() => {
      try {
        resumePoint(r, rev, 'S');
      } catch (e) {
        return e;
      }
    })();
    t.type(error, RevisionNotResumableError, what);
    t.match((error as Error).message, /Revision "rev001" was interrupted after its statement 3 committed/);
    t.match((error as Error).message, /Recovery:/);
    t.equal((error as RevisionNotResumableError).code, 'UPSHIFT_REVISION_NOT_RESUMABLE');
  }
});

onMariadb('a clean boot applies DDL+DML revisions, records each once, leaves no progress row', async (t, db) => {
  const done = await startWorker(db, { REVISIONS: 2 }, 'mariadb-ddl-worker.ts').done;
  t.equal(done.code, 0, done.stderr);
  t.same(
    (await db.query<{ id: string }>('select id from upshift_revisions order by id')).map((r) => r.id),
    ['rev001', 'rev002'],
  );
  t.same(await db.query('select * from upshift_revisions_progress'), []);
  const again = await startWorker(db, { REVISIONS: 2 }, 'mariadb-ddl-worker.ts').done;
  t.equal(again.code, 0, 'a second boot has nothing to do');
});

onMariadb(
  'SIGKILL between or inside statements: the next boot resumes exactly, no statement twice, no stale lock',
  async (t) => {
    const figures = await killMariadb(Number(process.env.MARIADB_KILL_ROUNDS ?? 5), 2);
    t.same(figures.failures, []);
    t.equal(figures.atHead + figures.typedRefusals, figures.rounds);
    t.equal(figures.typedRefusals, 0, 'these revisions are resumable');
    t.equal(figures.staleLocks, 0);
    t.ok(figures.cutMidRevision > 0, `kills landed inside a revision (${figures.cutMidRevision}/${figures.rounds})`);
  },
);

onMariadb(
  'a revision that cannot resume is refused with the typed error, and none of its statements runs again',
  async (t, db) => {
    const victim = startWorker(db, { REVISIONS: 1, RESUMABLE: 0 }, 'mariadb-ddl-worker.ts');
    await Promise.race([victim.logged(/statement 3\b/), victim.done]);
    victim.child.kill('SIGKILL');
    await victim.done;
    const [before] = await db.query<{ completed: number }>('select completed from upshift_revisions_progress');
    t.ok(before && before.completed >= 3 && before.completed < 7, `cut mid-revision at statement ${before?.completed}`);
    const next = await startWorker(db, { REVISIONS: 1, RESUMABLE: 0 }, 'mariadb-ddl-worker.ts').done;
    t.equal(next.code, 2);
    t.equal(next.result?.code, 'UPSHIFT_REVISION_NOT_RESUMABLE');
    t.match(next.result?.message, /Revision "rev001" was interrupted after its statement \d committed/);
    t.same(await db.query('select id from upshift_revisions'), [], 'not recorded as applied');
    const [after] = await db.query<{ completed: number }>('select completed from upshift_revisions_progress');
    t.equal(after?.completed, before?.completed, 'nothing ran since');
  },
);

onMariadb(
  '8 processes boot at once: one applies each statement, the others wait on GET_LOCK, all end at head',
  async (t, db) => {
    const workers = Array.from({ length: 8 }, () =>
      startWorker(db, { REVISIONS: 2, TIMEOUT_MS: 60_000 }, 'mariadb-ddl-worker.ts'),
    );
    const results = await Promise.all(workers.map((w) => w.done));
    t.same(
      results.map((r) => r.code),
      Array(8).fill(0),
      results
        .map((r) => r.stderr)
        .join('\n')
        .slice(0, 500),
    );
    const statementLines = results.flatMap((r) => r.stderr.split('\n').filter((l) => / statement \d/.test(l)));
    t.equal(
      statementLines.length,
      14,
      'each of the 2 × 7 statements committed once, in one process (a second run would fail)',
    );
    t.same(
      (await db.query<{ id: string }>('select id from upshift_revisions order by id')).map((r) => r.id),
      ['rev001', 'rev002'],
    );
    t.same((await db.query<{ n: number }>('select count(*) as n from t1'))[0]?.n, 2);
  },
);
