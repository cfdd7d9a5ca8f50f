import { LockLostError } from '../../errors.ts';
import type { RecordDetails } from '../../store.ts';
import type { MysqlTables } from './ddl.ts';
import type { GetLockSession } from './get-lock.ts';
import { markAttempt, readProgress, resumePoint } from './progress.ts';
import { markNow } from './table-mark.ts';

/** A revision as MariaDB/MySQL runs it: its statements known in advance, in order. */
export interface StatementRevision {
  id: string;
  checksum: string;
  statements: readonly string[];
  /** False when it reads data or uses ctx.em: such a revision is never resumed, only refused. */
  resumable: boolean;
}

/** Statements that MariaDB/MySQL commit implicitly (DDL and the like). */
const IMPLICIT_COMMIT = /^\s*(create|alter|drop|rename|truncate|grant|revoke|lock|unlock|analyze|optimize|repair)\b/i;

export function commitsImplicitly(sql: string): boolean {
  return IMPLICIT_COMMIT.test(sql);
}

/**
 * Runs a revision's statements from `from` (0-based) on the lock's connection, recording after
 * each one how many have committed. A DDL statement commits on its own, so its progress is
 * written right after it, and marked as attempted right before it (with the schema's fingerprint,
 * which tells a resume whether it took effect). A DML statement commits together with its
 * progress write, in one transaction: all or nothing. Every progress write is fenced on the lock.
 */
export async function runStatements(
  lock: GetLockSession,
  tables: MysqlTables,
  revision: StatementRevision,
  from = 0,
  committed?: (index: number) => void,
): Promise<void> {
  const run = (sql: string, params?: unknown[]) => lock.run(sql, params);
  const fence = lock.fence();
  const total = revision.statements.length;
  const advance = async (completed: number) => {
    const { affected } = await run(
      `update ${tables.progressTable} set \`completed\` = ? where \`id\` = ? and ${fence.sql}`,
      [completed, revision.id, ...fence.params],
    );
    if (affected !== 1)
      throw new LockLostError(`the progress of revision "${revision.id}" could not be recorded under the lock`);
  };
  for (let index = from; index < total; index++) {
    const sql = revision.statements[index]!;
    await markAttempt(run, tables, fence, {
      id: revision.id,
      checksum: revision.checksum,
      completed: index,
      attempting: index + 1,
      total,
      resumable: revision.resumable,
    });
    if (commitsImplicitly(sql)) {
      await run(sql);
      await advance(index + 1);
      committed?.(index + 1);
      continue;
    }
    await run('start transaction');
    try {
      await run(sql);
      await advance(index + 1);
      await run('commit');
    } catch (error) {
      await run('rollback').catch(() => undefined);
      throw error;
    }
    committed?.(index + 1);
  }
}

/**
 * The end of a revision: its version row written and its progress row deleted in one transaction,
 * fenced, so a revision is recorded as applied only once every statement has committed.
 */
export async function finishRevision(lock: GetLockSession, tables: MysqlTables, row: RecordDetails): Promise<void> {
  const fence = lock.fence();
  await lock.run('start transaction');
  try {
    const { affected } = await lock.run(
      `insert into ${tables.table} (\`id\`, \`parents\`, \`message\`, \`checksum\`, \`applied_at\`, \`duration_ms\`, \`applied_by\`) ` +
        `select ?, ?, ?, ?, ?, ?, ? from dual where ${fence.sql}`,
      [
        row.id,
        row.parents.join(' '),
        row.message,
        row.checksum,
        new Date().toISOString(),
        row.durationMs,
        row.appliedBy,
        ...fence.params,
      ],
    );
    if (affected !== 1) throw new LockLostError(`the version row of "${row.id}" could not be written under the lock`);
    await lock.run(`delete from ${tables.progressTable} where \`id\` = ?`, [row.id]);
    await lock.run('commit');
  } catch (error) {
    await lock.run('rollback').catch(() => undefined);
    throw error;
  }
}

/**
 * Applies a revision under the lock, resuming it when a progress row says an earlier attempt was
 * cut short: from the statement after the last one that committed, or RevisionNotResumableError.
 */
export async function applyResumable(
  lock: GetLockSession,
  tables: MysqlTables,
  revision: StatementRevision,
  row: RecordDetails,
  committed?: (index: number) => void,
): Promise<{ resumedFrom: number }> {
  const run = (sql: string, params?: unknown[]) => lock.run(sql, params);
  const left = (await readProgress(run, tables)).find((p) => p.id === revision.id);
  const from = left
    ? resumePoint(
        left,
        { checksum: revision.checksum, total: revision.statements.length, resumable: revision.resumable },
        await markNow(left.schemaBefore, run),
      )
    : 0;
  await runStatements(lock, tables, revision, from, committed);
  await finishRevision(lock, tables, row);
  return { resumedFrom: from };
}
