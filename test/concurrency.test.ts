import { startWorker } from './helpers/workers.ts';
import { eachDatabase } from './helpers/each-dialect.ts';
import { versionRows } from './helpers/schema.ts';
import { revisionId } from './helpers/revisions.ts';

const REVISIONS = 20;
const expected = Array.from({ length: REVISIONS }, (_, i) => revisionId('rev', i + 1));

eachDatabase(
  'separate processes upgrading one fresh database at once apply each revision exactly once',
  async (t, db) => {
    const processes = db.dialect === 'sqlite' ? 4 : 8;
    const workers = Array.from({ length: processes }, () => startWorker(db, { REVISIONS, BARRIER: 1, DELAY_MS: 2 }));
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go(); // the barrier: all start together
    const results = await Promise.all(workers.map((w) => w.done));

    for (const [i, r] of results.entries())
      t.equal(r.code, 0, `worker ${i} exits 0${r.code ? `: ${r.stderr.slice(-2000)}` : ''}`);
    const appliedByWorkers = results.flatMap((r) => (r.result?.applied as string[]) ?? []);
    t.same([...appliedByWorkers].sort(), expected, 'the workers applied each revision once between them');
    t.same(await versionRows(db), expected, 'one version row per revision');
    const side = await db.query<{ revision: string }>('select revision from side_effects order by revision');
    t.equal(side.length, REVISIONS, 'the side table has exactly 20 rows');
    t.same(
      side.map((s) => s.revision),
      expected,
      'one side-effect row per revision',
    );
  },
);
