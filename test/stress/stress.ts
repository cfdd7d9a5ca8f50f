/**
 * Stress: many real processes boot at once against a fresh database, 20 revisions with
 * side-effect rows; every revision must be applied exactly once and every process must exit 0.
 * 16 processes × 10 rounds on PostgreSQL, 4 × 10 on SQLite (ROUNDS=n to change the rounds).
 * Run: node --conditions=upshift-source test/stress/stress.ts
 */
import { createDatabase, postgresAvailable, type DialectName } from '../helpers/databases.ts';
import { startWorker } from '../helpers/workers.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const REVISIONS = 20;
const plan: [DialectName, number][] = [
  ['postgresql', 16],
  ['sqlite', 4],
];

let rounds = 0;
let doubleApplied = 0;
let failedProcesses = 0;
for (const [dialect, processes] of plan) {
  if (dialect === 'postgresql' && !(await postgresAvailable())) {
    console.log('postgresql: skipped (not reachable)');
    continue;
  }
  let dialectDouble = 0;
  let dialectFailed = 0;
  const started = Date.now();
  for (let round = 1; round <= ROUNDS; round++) {
    const db = await createDatabase(dialect);
    try {
      const workers = Array.from({ length: processes }, () => startWorker(db, { REVISIONS, BARRIER: 1 }));
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) w.go();
      const results = await Promise.all(workers.map((w) => w.done));
      const failed = results.filter((r) => r.code !== 0);
      for (const f of failed)
        console.error(
          `${dialect} round ${round}: a process failed: ${JSON.stringify(f.result) ?? f.stderr.slice(-800)}`,
        );
      // Double application shows as a second side-effect row, or as two processes claiming one id.
      const side = await db.query<{ revision: string }>('select revision from side_effects');
      const counts = new Map<string, number>();
      for (const s of side) counts.set(s.revision, (counts.get(s.revision) ?? 0) + 1);
      const claims = new Map<string, number>();
      for (const r of results)
        for (const id of (r.result?.applied as string[] | undefined) ?? []) claims.set(id, (claims.get(id) ?? 0) + 1);
      const doubled = new Set([...counts].filter(([, n]) => n > 1).map(([id]) => id));
      for (const [id, n] of claims) if (n > 1) doubled.add(id);
      const complete =
        counts.size === REVISIONS && (await db.query('select id from upshift_revisions')).length === REVISIONS;
      if (!complete) console.error(`${dialect} round ${round}: not at head (${counts.size} side-effect revisions)`);
      dialectDouble += doubled.size;
      dialectFailed += failed.length;
      rounds++;
    } finally {
      await db.drop();
    }
  }
  console.log(
    `${dialect}: ${processes} processes × ${ROUNDS} rounds, double-applied: ${dialectDouble}, failed processes: ${dialectFailed} (${Math.round((Date.now() - started) / 1000)} s)`,
  );
  doubleApplied += dialectDouble;
  failedProcesses += dialectFailed;
}
console.log(`rounds: ${rounds}, double-applied: ${doubleApplied}, failed processes: ${failedProcesses}`);
process.exitCode = doubleApplied === 0 && failedProcesses === 0 ? 0 : 1;
