/**
 * The loop of the MariaDB kill rounds, shared by its variants (kill-mariadb.ts: the resumable
 * runner alone; kill-mariadb-migrator.ts: the real Migrator). Per round: a fresh database, a real
 * process applying revisions of DDL and DML statements, SIGKILL right after a random statement
 * that is not its revision's last (so the kill lands between two statements of one revision, or
 * inside the next), a probe that the dead process's GET_LOCK was freed, then the next boot by a
 * new process. A round is good when that boot ends exactly at head (every table, column, index
 * and row once, no progress row left) or with RevisionNotResumableError where the variant says it
 * is right; a statement run twice makes that boot fail loudly (mariadb-revisions.ts).
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

export interface ProgressRow {
  id: string;
  completed: number;
}

/** What differs between the variants: the process that boots, and where and how it is cut. */
export interface KillVariant {
  /** The fixture both boots run (a file of test/fixtures/), printing "<id> statement N" on stderr. */
  worker: string;
  /** The worker's environment in round `round` (REVISIONS is added). */
  env(round: number): Record<string, number>;
  /** The kill follows one of a revision's first this-many statements. */
  cutWithin: number;
  /** Up to this many milliseconds pass between that statement's line and the kill. */
  jitterMs: number;
  /** Whether a worker that ended before the kill fails its round; otherwise the round goes on. */
  mustBeKilled: boolean;
  /** Whether the next boot was right to refuse, from the progress rows before and after it. */
  refusalIsRight(round: number, before: ProgressRow[], after: ProgressRow[]): boolean;
}

export async function killRounds(variant: KillVariant, rounds: number, revisions: number): Promise<KillFigures> {
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
    const env = { ...variant.env(round), REVISIONS: revisions };
    try {
      const id = `rev${String(1 + Math.floor(Math.random() * revisions)).padStart(3, '0')}`;
      const statement = 1 + Math.floor(Math.random() * variant.cutWithin);
      const victim = startWorker(db, env, variant.worker);
      await Promise.race([victim.logged(new RegExp(`${id} statement ${statement}\\b`)), victim.done]);
      if (variant.jitterMs > 0) await new Promise((r) => setTimeout(r, Math.random() * variant.jitterMs));
      victim.child.kill('SIGKILL');
      const killed = await victim.done;
      if (variant.mustBeKilled && killed.signal !== 'SIGKILL') {
        figures.failures.push(`round ${round}: the worker ended before the kill: ${JSON.stringify(killed.result)}`);
        continue;
      }
      const progress = await db.query<{ completed: number; attempting: number }>(
        'select completed, attempting from upshift_revisions_progress',
      );
      if (progress.length > 0) figures.cutMidRevision++;
      if (progress.some((p) => Number(p.attempting) > Number(p.completed))) figures.cutInsideStatement++;
      if (!(await lockFreed(db))) figures.staleLocks++;
      const before = await progressRows(db);
      const next = await startWorker(db, env, variant.worker).done;
      if (next.code === 2 && next.result?.code === 'UPSHIFT_REVISION_NOT_RESUMABLE') {
        const after = await progressRows(db);
        if (variant.refusalIsRight(round, before, after)) figures.typedRefusals++;
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

/** Whether upshift's GET_LOCK becomes free after a short wait: the server frees it when its holder's connection dies. */
async function lockFreed(db: TestDatabase<'mariadb'>): Promise<boolean> {
  const name = `upshift:${db.location.split('/').pop()}.upshift_revisions`;
  let free = false;
  for (let i = 0; i < 60 && !free; i++) {
    free = Number((await db.query<{ f: number }>('select is_free_lock(?) as f', [name]))[0]?.f) === 1;
    if (!free) await new Promise((r) => setTimeout(r, 50));
  }
  return free;
}

function progressRows(db: TestDatabase<'mariadb'>): Promise<ProgressRow[]> {
  return db.query<ProgressRow>('select id, completed from upshift_revisions_progress');
}

/** What differs from head: every table with its 3 columns added, its index and its 2 rows; no progress row. */
async function headProblems(db: TestDatabase<'mariadb'>, revisions: number): Promise<string[]> {
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
