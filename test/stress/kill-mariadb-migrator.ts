/**
 * The MariaDB kill rounds through the real Migrator: per round, a fresh database, a real process
 * booting the app (test/fixtures/mariadb-migrator-worker.ts), SIGKILL right after a random
 * statement that is not its revision's last (so the kill lands between two statements of one
 * revision, or inside the next), then the next boot by a new process. A round is good when that
 * boot ends exactly at head (every table, column, index and row once, no progress row) or with
 * RevisionNotResumableError for the revision that read rows (READER), having run none of its
 * statements again; a statement run twice fails loudly (mariadb-revisions.ts).
 */
import { createDatabase } from '../helpers/databases.ts';
import { startWorker } from '../helpers/workers.ts';
import { STATEMENTS_PER_REVISION } from '../fixtures/mariadb-revisions.ts';
import { headProblems, type KillFigures } from './kill-mariadb.ts';

const WORKER = 'mariadb-migrator-worker.ts';

export async function killMariadbMigrator(rounds: number, revisions = 3): Promise<KillFigures> {
  const figures: KillFigures = {
    rounds,
    atHead: 0,
    typedRefusals: 0,
    cutMidRevision: 0,
    cutInsideStatement: 0,
    staleLocks: 0,
    failures: [],
  };
  for (let round = 1; round <= rounds; round++) {
    const db = await createDatabase('mariadb');
    // Every other round, the second revision reads rows first: once cut, it must be refused.
    const env = { REVISIONS: revisions, READER: round % 2 === 0 ? 1 : 0 };
    try {
      const revision = 1 + Math.floor(Math.random() * revisions);
      const statement = 1 + Math.floor(Math.random() * (STATEMENTS_PER_REVISION - 1));
      const id = `rev${String(revision).padStart(3, '0')}`;
      const victim = startWorker(db, env, WORKER);
      await Promise.race([victim.logged(new RegExp(`${id} statement ${statement}\\b`)), victim.done]);
      victim.child.kill('SIGKILL');
      const killed = await victim.done;
      if (killed.signal !== 'SIGKILL') {
        figures.failures.push(`round ${round}: the worker ended before the kill: ${JSON.stringify(killed.result)}`);
        continue;
      }
      const progress = await db.query<{ completed: number; attempting: number; resumable: number }>(
        'select completed, attempting, resumable from upshift_revisions_progress',
      );
      if (progress.length > 0) figures.cutMidRevision++;
      if (progress.some((p) => Number(p.attempting) > Number(p.completed))) figures.cutInsideStatement++;
      const name = `upshift:${db.location.split('/').pop()}.upshift_revisions`;
      let free = false;
      for (let i = 0; i < 60 && !free; i++) {
        free = Number((await db.query<{ f: number }>('select is_free_lock(?) as f', [name]))[0]?.f) === 1;
        if (!free) await new Promise((r) => setTimeout(r, 50));
      }
      if (!free) figures.staleLocks++;
      const before = await db.query<{ id: string; completed: number }>(
        'select id, completed from upshift_revisions_progress',
      );
      const next = await startWorker(db, env, WORKER).done;
      if (next.code === 2 && next.result?.code === 'UPSHIFT_REVISION_NOT_RESUMABLE') {
        const after = await db.query<{ id: string; completed: number }>(
          'select id, completed from upshift_revisions_progress',
        );
        // Refused only where it must be: the reading revision, cut after a commit; nothing re-run.
        const refusedRightly =
          env.READER === 1 &&
          before.length === 1 &&
          before[0]!.id === 'rev002' &&
          JSON.stringify(after) === JSON.stringify(before);
        if (refusedRightly) figures.typedRefusals++;
        else figures.failures.push(`round ${round}: refused wrongly: ${JSON.stringify({ before, after })}`);
        continue;
      }
      const problems = await headProblems(db, revisions);
      if (next.code === 0 && problems.length === 0) figures.atHead++;
      else
        figures.failures.push(
          `round ${round} (killed after ${id} statement ${statement}): exit ${next.code} ${JSON.stringify(next.result)} ${problems.join('; ')} ${next.stderr.slice(0, 300)}`,
        );
    } finally {
      await db.drop();
    }
  }
  return figures;
}
