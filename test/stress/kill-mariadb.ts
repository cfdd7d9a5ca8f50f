/**
 * The MariaDB part of the kill test: per round, a fresh database, a real process applying
 * revisions of DDL and DML statements (each DDL commits on its own), SIGKILL at a random moment
 * (between two statements or inside one), then the next boot by a new process. A round is good
 * when the next boot ends exactly at head (every table, column, index and row once, no progress
 * row left) or with the typed resume error; a statement run twice makes that boot fail loudly.
 */
import { createDatabase, type TestDatabase } from '../helpers/databases.ts';
import { startWorker } from '../helpers/workers.ts';

export interface KillFigures {
  rounds: number;
  atHead: number;
  typedRefusals: number;
  /** Rounds whose kill left a revision between two of its statements (a progress row). */
  cutMidRevision: number;
  /** Of those, rounds killed while a statement was running (attempted, its end not recorded). */
  cutInsideStatement: number;
  staleLocks: number;
  failures: string[];
}

export async function killMariadb(rounds: number, revisions = 3): Promise<KillFigures> {
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
    try {
      const victim = startWorker(db, { REVISIONS: revisions }, 'mariadb-ddl-worker.ts');
      // Kill right after a statement that is not a revision's last one, plus a few milliseconds:
      // the kill lands between two statements or inside the next, never after the whole run,
      // however fast this machine's DDL is.
      const revision = `rev${String(1 + Math.floor(Math.random() * revisions)).padStart(3, '0')}`;
      const statement = 1 + Math.floor(Math.random() * 5);
      await Promise.race([victim.logged(new RegExp(`${revision} statement ${statement}\\b`)), victim.done]);
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      victim.child.kill('SIGKILL');
      await victim.done;
      const progress = await db.query<{ completed: number; attempting: number }>(
        'select completed, attempting from upshift_revisions_progress',
      );
      if (progress.length > 0) figures.cutMidRevision++;
      if (progress.some((p) => Number(p.attempting) > Number(p.completed))) figures.cutInsideStatement++;
      let free = false;
      const name = `upshift:${db.location.split('/').pop()}.upshift_revisions`;
      for (let i = 0; i < 60 && !free; i++) {
        free = Number((await db.query<{ f: number }>('select is_free_lock(?) as f', [name]))[0]?.f) === 1;
        if (!free) await new Promise((r) => setTimeout(r, 50));
      }
      if (!free) figures.staleLocks++;
      const next = await startWorker(db, { REVISIONS: revisions }, 'mariadb-ddl-worker.ts').done;
      if (next.code === 2 && next.result?.code === 'UPSHIFT_REVISION_NOT_RESUMABLE') {
        figures.typedRefusals++;
        continue;
      }
      const problems = await headProblems(db, revisions);
      if (next.code === 0 && problems.length === 0) figures.atHead++;
      else
        figures.failures.push(
          `round ${round}: exit ${next.code} ${JSON.stringify(next.result)} ${problems.join('; ')} ${next.stderr.slice(0, 300)}`,
        );
    } finally {
      await db.drop();
    }
  }
  return figures;
}

/** What differs from head: every table with its 3 columns added, its index and its 2 rows; no progress row. */
export async function headProblems(db: TestDatabase<'mariadb'>, revisions: number): Promise<string[]> {
  const problems: string[] = [];
  const query = <T>(sql: string, params?: unknown[]) => db.query<T>(sql, params);
  const rows = await query<{ id: string }>('select id from upshift_revisions order by id');
  if (rows.length !== revisions) problems.push(`${rows.length} version rows`);
  const [left] = await query<{ n: number }>('select count(*) as n from upshift_revisions_progress');
  if (Number(left?.n) !== 0) problems.push('a progress row is left');
  for (let i = 1; i <= revisions; i++) {
    const columns = await query<{ c: string }>(
      'select column_name as c from information_schema.columns where table_schema = database() and table_name = ? order by ordinal_position',
      [`t${i}`],
    );
    if (columns.map((c) => c.c).join() !== 'id,a,b,c') problems.push(`t${i} columns ${columns.map((c) => c.c).join()}`);
    const [count] = await query<{ n: number }>(`select count(*) as n from \`t${i}\``);
    if (Number(count?.n) !== 2) problems.push(`t${i} has ${count?.n} rows`);
  }
  return problems;
}
