/**
 * Kill test: per database, ROUNDS (30) rounds of: a fresh database, a real process upgrading 20
 * revisions with side-effect rows, SIGKILL at a random moment, then a clean upgrade() by a new
 * process. Counts the rounds whose final state is exactly head with every side-effect row once.
 * MariaDB: test/stress/kill-mariadb.ts (revisions of DDL statements, resumed after the kill), then
 * test/stress/kill-mariadb-migrator.ts (the same through the real Migrator in a worker process).
 * Run: node --conditions=upshift-source test/stress/kill.ts
 */
import { createDatabase, postgresAvailable, type DialectName } from '../helpers/databases.ts';
import { revisionId } from '../helpers/revisions.ts';
import { boundary, noStaleLock } from '../deploy/boundary.ts';
import { startWorker } from '../helpers/workers.ts';
import { mariadbAvailable } from '../helpers/databases.ts';
import { killMariadb } from './kill-mariadb.ts';
import { killMariadbMigrator } from './kill-mariadb-migrator.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 30);
const N = 20;
const HEAD = Array.from({ length: N }, (_, i) => revisionId('rev', i + 1)).join();

let total = 0;
let good = 0;
for (const dialect of ['postgresql', 'sqlite'] as DialectName[]) {
  if (dialect === 'postgresql' && !(await postgresAvailable())) {
    console.log('postgresql: skipped (not reachable)');
    continue;
  }
  let ok = 0;
  let midway = 0;
  let atBoundary = 0;
  let staleLocks = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const db = await createDatabase(dialect);
    try {
      const victim = startWorker(db, { REVISIONS: N, DELAY_MS: 30 });
      await Promise.race([victim.logged(/applying revision/), victim.done]);
      await new Promise((r) => setTimeout(r, Math.random() * 900));
      victim.child.kill('SIGKILL');
      const killed = await victim.done;
      const after = await boundary(db, N);
      if (after.consistent) atBoundary++;
      else console.error(`${dialect} round ${round}: not at a boundary after the kill: ${after.problems.join('; ')}`);
      if (killed.signal === 'SIGKILL' && after.rows.length < N) midway++;
      let free = false;
      for (let i = 0; i < 60 && !(free = await noStaleLock(db)); i++) await new Promise((r) => setTimeout(r, 50));
      if (!free) staleLocks++;
      const clean = await startWorker(db, { REVISIONS: N, TIMEOUT_MS: 5000 }).done;
      const final = await boundary(db, N);
      if (clean.code === 0 && final.consistent && final.rows.join() === HEAD) ok++;
      else
        console.error(`${dialect} round ${round}: final state wrong: exit ${clean.code} ${final.problems.join('; ')}`);
    } finally {
      await db.drop();
    }
  }
  console.log(
    `${dialect}: ${ok}/${ROUNDS} rounds exactly at head with every side-effect row once ` +
      `(killed mid-upgrade: ${midway}, at a revision boundary right after the kill: ${atBoundary}, stale locks: ${staleLocks})`,
  );
  total += ROUNDS;
  good += ok;
}
// MariaDB: the resumable runner by itself, then the whole Migrator (a revision that reads rows is refused, typed).
if (await mariadbAvailable()) {
  const parts = [
    ['mariadb (bare modules)', () => killMariadb(ROUNDS)],
    ['mariadb (Migrator)', () => killMariadbMigrator(ROUNDS)],
  ] as const;
  for (const [label, rounds] of parts) {
    const m = await rounds();
    for (const failure of m.failures) console.error(`${label} ${failure}`);
    console.log(
      `${label}: ${m.atHead}/${m.rounds} rounds exactly at head, ${m.typedRefusals} with the typed resume error ` +
        `(killed inside a revision: ${m.cutMidRevision}, of which during a statement: ${m.cutInsideStatement}, stale locks: ${m.staleLocks}; a statement run twice fails its round)`,
    );
    total += m.rounds;
    good += m.atHead + m.typedRefusals;
  }
} else console.log('mariadb: skipped (not reachable)');
console.log(`kill rounds: ${total}, exactly at head with every side-effect row once: ${good}`);
process.exitCode = good === total ? 0 : 1;
