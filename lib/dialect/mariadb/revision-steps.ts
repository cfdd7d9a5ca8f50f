import type { Transaction } from '@mikro-orm/core';
import type { Database } from '../../database.ts';
import { LockLostError, RevisionNotResumableError } from '../../errors.ts';
import type { Fence } from '../../store.ts';
import type { RevisionStepInfo, StepStatements, Unit } from '../dialect.ts';
import type { MysqlTables } from './ddl.ts';
import { markAttempt, type MysqlRun, type ProgressRow, resumePoint, schemaFingerprint } from './progress.ts';
import { commitsImplicitly } from './resumable-run.ts';
import { changesRowsOnly, type SchemaAhead } from './schema-ahead.ts';
import { markNow, tableMark } from './table-mark.ts';

/** Statements whose rows a revision gets back: after one, the revision is no longer resumable. */
const READS = /^\s*\(?\s*(select|show|with|describe|desc|explain|values|table|call)\b/i;

export interface StepParts {
  db: Database;
  tables: MysqlTables;
  fence: () => Fence;
  /** What the progress table held when the lock was taken (read under it, kept true by each step). */
  progress: ProgressRow[];
  /** The schema's fingerprint read ahead of the next DDL statement (schema-ahead.ts). */
  ahead: SchemaAhead;
}

/** The progress row's key for one direction of a revision: resuming never crosses directions. */
function progressChecksum(step: RevisionStepInfo): string {
  return `${step.direction}:${step.checksum}`;
}

/**
 * One revision step on MariaDB/MySQL, in the unit's transaction. Its ctx.sql statements run in
 * order on the unit's connection. DML runs in the open transaction; a DDL statement, which the
 * server commits implicitly together with everything before it, is preceded by a progress write
 * (fenced: "statements 1..i committed, i+1 attempted", with a mark that tells whether it took
 * effect: the created or dropped table's presence, else the schema's fingerprint) that commits
 * with the DML before it, and followed by one that says it committed; then a new transaction
 * begins. The version row and the removal of the progress row commit together at the end (the
 * unit's COMMIT), so a revision is recorded only once every statement has committed. A revision
 * with no DDL never writes a progress row: it is one transaction, all or nothing.
 *
 * After a crash the progress row says where to resume: the statements that committed are skipped
 * (ctx.sql returns no rows for them, they are never sent again) and the rest run. A revision that
 * read rows (a statement that returns them) or used ctx.em before its last commit point cannot be
 * resumed that way (skipped reads would return nothing): RevisionNotResumableError.
 */
export async function runRevisionStep(
  parts: StepParts,
  unit: Unit,
  step: RevisionStepInfo,
  invoke: (statements: StepStatements) => Promise<number>,
): Promise<number> {
  const trx = unit.trx!;
  const { db, tables } = parts;
  const run: MysqlRun = async (sql, params = []) =>
    READS.test(sql)
      ? { rows: await db.query(sql, params, trx), affected: 0 }
      : { rows: [], affected: await db.run(sql, params, trx) };
  const checksum = progressChecksum(step);
  refuseOtherDirection(parts.progress, step);
  const left = parts.progress.find((p) => p.id === step.id);
  const from = left ? await resumeFrom(left, checksum, run) : 0;
  const runner = new StepRunner(parts, trx, run, step, checksum, from, left !== undefined);
  let durationMs: number;
  try {
    durationMs = await invoke(runner);
  } catch (error) {
    await runner.forgetIfNothingCommitted();
    throw error;
  }
  // In the unit's transaction, with the version row the runner writes next: both or neither.
  if (runner.progressWritten) await db.run(`delete from ${tables.progressTable} where \`id\` = ?`, [step.id], trx);
  parts.progress.splice(0, parts.progress.length, ...parts.progress.filter((p) => p.id !== step.id));
  return durationMs;
}

/**
 * A revision cut while going the other way blocks this operation: an upgrade would build on a
 * half-reverted revision, a downgrade would revert what lies beneath a half-applied one.
 */
function refuseOtherDirection(progress: readonly ProgressRow[], step: RevisionStepInfo): void {
  const other = progress.find((p) => !p.checksum.startsWith(`${step.direction}:`));
  if (!other) return;
  const was = other.checksum.startsWith('up:') ? 'applied' : 'reverted';
  throw new RevisionNotResumableError(
    other.id,
    other.completed,
    `it was interrupted while being ${was}, and this ${step.direction === 'up' ? 'upgrade' : 'downgrade'} would go the other way first ` +
      `(run the ${was === 'applied' ? 'upgrade' : 'downgrade'} that was interrupted again to resume it)`,
  );
}

/** Where the cut revision resumes; from the start when none of its statements committed. */
async function resumeFrom(row: ProgressRow, checksum: string, run: MysqlRun): Promise<number> {
  const schemaNow = row.attempting > row.completed ? await markNow(row.schemaBefore, run) : row.schemaBefore;
  // Where it stopped, whatever the revision is now: nothing committed means a fresh start.
  const point = resumePoint(
    { ...row, resumable: true },
    { checksum: row.checksum, total: row.total, resumable: true },
    schemaNow,
  );
  if (point === 0) return 0;
  // Something committed: resuming must be safe (no reads, no ctx.em, the same code).
  return resumePoint(row, { checksum, total: row.total, resumable: true }, schemaNow);
}

class StepRunner implements StepStatements {
  readonly #parts: StepParts;
  readonly #trx: Transaction;
  readonly #run: MysqlRun;
  readonly #step: RevisionStepInfo;
  readonly #checksum: string;
  readonly #from: number;
  /** ctx.sql calls so far, skipped ones included. */
  #index = 0;
  /** Statements known to have committed (before a crash, or in this attempt). */
  #committed: number;
  #resumable = true;
  progressWritten: boolean;

  constructor(
    parts: StepParts,
    trx: Transaction,
    run: MysqlRun,
    step: RevisionStepInfo,
    checksum: string,
    from: number,
    progressWritten: boolean,
  ) {
    this.#parts = parts;
    this.#trx = trx;
    this.#run = run;
    this.#step = step;
    this.#checksum = checksum;
    this.#from = from;
    this.#committed = from;
    this.progressWritten = progressWritten;
  }

  get committedSome(): boolean {
    return this.#committed > 0;
  }

  usesEntityManager(): void {
    this.#resumable = false;
    // Its statements are not seen here, and one of them could change the schema.
    this.#parts.ahead.forget();
  }

  async sql(text: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    const index = this.#index++;
    // Committed before the crash: never sent again.
    if (index < this.#from) return [];
    const { db, ahead } = this.#parts;
    if (!commitsImplicitly(text)) {
      if (READS.test(text)) this.#resumable = false;
      if (!changesRowsOnly(text)) ahead.forget();
      return db.query(text, [...params], this.#trx);
    }
    // DDL: the server commits the open transaction before it. Commit it ourselves, with a progress
    // row saying statements 1..index committed and index+1 is being attempted, and a mark that
    // tells a resume whether it took effect: one table's presence when that is its whole effect,
    // else the schema's fingerprint.
    const mark = await tableMark(text, this.#run);
    if (mark !== undefined) ahead.forget();
    await markAttempt(
      this.#run,
      this.#parts.tables,
      this.#parts.fence(),
      {
        id: this.#step.id,
        checksum: this.#checksum,
        completed: index,
        attempting: index + 1,
        total: 0,
        resumable: this.#resumable,
      },
      mark ?? (await ahead.take(() => schemaFingerprint(this.#run))),
    );
    await db.run('commit', [], this.#trx);
    this.progressWritten = true;
    this.#committed = index;
    const fence = this.#parts.fence();
    try {
      await db.query(text, [...params], this.#trx);
      // It has committed: the fingerprint the next DDL statement may need is what it left. Read
      // ahead only after a statement that needed one (a run of CREATE TABLEs needs none).
      if (mark === undefined) ahead.refresh();
    } catch (error) {
      // A statement whose connection failed may still be running on the server: read again.
      ahead.forget();
      // The server answered with an error: the statement did not take effect (DDL is atomic on
      // MariaDB 10.6+). Said so now, so that a resume runs it again even if the schema is changed
      // by hand meanwhile (the fingerprint is only for a statement whose end nobody saw).
      await this.#run(
        `update ${this.#parts.tables.progressTable} set \`attempting\` = \`completed\` where \`id\` = ? and ${fence.sql}`,
        [this.#step.id, ...fence.params],
      ).catch(() => undefined);
      throw error;
    }
    this.#committed = index + 1;
    const { affected } = await this.#run(
      `update ${this.#parts.tables.progressTable} set \`completed\` = ? where \`id\` = ? and ${fence.sql}`,
      [index + 1, this.#step.id, ...fence.params],
    );
    if (affected !== 1)
      throw new LockLostError(`the progress of revision "${this.#step.id}" could not be recorded under the lock`);
    await db.run('start transaction', [], this.#trx);
    return [];
  }

  /**
   * After a failure with none of the revision's statements committed (its first DDL statement
   * failed, atomically): the progress row says nothing worth keeping, and would block a downgrade.
   */
  async forgetIfNothingCommitted(): Promise<void> {
    if (this.#committed > 0 || !this.progressWritten) return;
    const { db, tables } = this.#parts;
    const fence = this.#parts.fence();
    try {
      await db.run('rollback', [], this.#trx);
      await db.run(
        `delete from ${tables.progressTable} where \`id\` = ? and ${fence.sql}`,
        [this.#step.id, ...fence.params],
        this.#trx,
      );
      this.#parts.progress.splice(
        0,
        this.#parts.progress.length,
        ...this.#parts.progress.filter((p) => p.id !== this.#step.id),
      );
    } catch {
      // The connection is gone: the row stays, and the next boot starts the revision afresh from it.
    }
  }
}
