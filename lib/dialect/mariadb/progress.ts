import { LockLostError, RevisionNotResumableError } from '../../errors.ts';
import type { MysqlTables } from './ddl.ts';

/** Runs one statement on the lock's fenced path: rows for a read, affected rows for a write. */
export type MysqlRun = (
  sql: string,
  params?: unknown[],
) => Promise<{ rows: Record<string, unknown>[]; affected: number }>;

/** A fence (GetLockSession.fence()): true only while upshift's lock is held. */
export interface MysqlFence {
  sql: string;
  params: unknown[];
}

/** A revision's progress row, as written after each of its statements committed. */
export interface ProgressRow {
  id: string;
  checksum: string;
  /** How many statements have committed (0 = none). */
  completed: number;
  /** The statement being run (1-based), equal to `completed` between two statements. */
  attempting: number;
  /**
   * What tells whether statement `attempting` took effect, taken just before it started: the
   * schema's fingerprint, or a table mark for a statement that only creates or drops one table
   * (table-mark.ts).
   */
  schemaBefore: string;
  total: number;
  /** True for a revision made only of ctx.sql statements known in advance. */
  resumable: boolean;
}

/**
 * The schema's fingerprint: every table, view, column, index, foreign key, trigger and routine of
 * the current database, hashed by the server. A DDL statement that committed changes it; one that did not leaves it as it was (DDL is
 * atomic on MariaDB 10.6+). That is how a resume tells whether the statement a crash interrupted
 * took effect, without running it again to find out.
 */
export async function schemaFingerprint(run: MysqlRun): Promise<string> {
  const part = (columns: string, from: string, order: string) =>
    `(select group_concat(concat_ws(':', ${columns}) order by ${order} separator ',') from information_schema.${from})`;
  const { rows } = await run(
    "select sha2(concat_ws('|', " +
      [
        part("table_name, table_type, coalesce(engine, '')", 'tables where table_schema = database()', 'table_name'),
        part(
          "table_name, column_name, column_type, is_nullable, coalesce(column_default, ''), extra",
          'columns where table_schema = database()',
          'table_name, column_name',
        ),
        part(
          'table_name, index_name, seq_in_index, column_name, non_unique',
          'statistics where table_schema = database()',
          'table_name, index_name, seq_in_index',
        ),
        part(
          'table_name, constraint_name, referenced_table_name, update_rule, delete_rule',
          'referential_constraints where constraint_schema = database()',
          'table_name, constraint_name',
        ),
        part(
          'trigger_name, event_object_table, action_timing, event_manipulation',
          'triggers where trigger_schema = database()',
          'trigger_name',
        ),
        part(
          'routine_name, routine_type, md5(routine_definition)',
          'routines where routine_schema = database()',
          'routine_name',
        ),
      ].join(', ') +
      '), 256) as fp',
  );
  return String(rows[0]?.fp ?? '');
}

/** The progress rows left by revisions that did not finish (a crash, a killed process). */
export async function readProgress(run: MysqlRun, tables: MysqlTables): Promise<ProgressRow[]> {
  const { rows } = await run(
    `select \`id\`, \`checksum\`, \`completed\`, \`attempting\`, \`schema_before\`, \`total\`, \`resumable\` from ${tables.progressTable}`,
  );
  return rows.map((r) => ({
    id: String(r.id),
    checksum: String(r.checksum),
    completed: Number(r.completed),
    attempting: Number(r.attempting),
    schemaBefore: String(r.schema_before),
    total: Number(r.total),
    resumable: Number(r.resumable) === 1,
  }));
}

/**
 * Before statement `attempting` (1-based) runs: fenced, so only the lock's holder records it.
 * `schemaBefore` is the schema's fingerprint as it is now (read here when not given).
 */
export async function markAttempt(
  run: MysqlRun,
  tables: MysqlTables,
  fence: MysqlFence,
  row: Omit<ProgressRow, 'schemaBefore'>,
  schemaBefore?: string,
): Promise<void> {
  schemaBefore ??= await schemaFingerprint(run);
  const { affected } = await run(
    `insert into ${tables.progressTable} (\`id\`, \`checksum\`, \`completed\`, \`attempting\`, \`schema_before\`, \`total\`, \`resumable\`, \`started_at\`, \`started_by\`) ` +
      `select ?, ?, ?, ?, ?, ?, ?, ?, ? from dual where ${fence.sql} ` +
      'on duplicate key update `checksum` = values(`checksum`), `completed` = values(`completed`), `attempting` = values(`attempting`), ' +
      '`schema_before` = values(`schema_before`), `total` = values(`total`), `resumable` = values(`resumable`)',
    [
      row.id,
      row.checksum,
      row.completed,
      row.attempting,
      schemaBefore,
      row.total,
      row.resumable ? 1 : 0,
      new Date().toISOString(),
      `pid ${process.pid}`,
      ...fence.params,
    ],
  );
  if (affected < 1)
    throw new LockLostError(`the progress of revision "${row.id}" could not be recorded under the lock`);
}

/**
 * Where a revision interrupted by a crash resumes: the 0-based index of its next statement to
 * run. Never a statement that committed: when the interrupted statement's fate is known from its
 * mark (`schemaNow`: the mark as it reads now, markNow() in table-mark.ts) it is skipped (it took
 * effect) or run (it did not). Throws
 * RevisionNotResumableError when resuming could be wrong: the revision reads data or uses
 * ctx.em, its text changed since, or its interrupted statement left no trace to decide by.
 */
export function resumePoint(
  row: ProgressRow,
  revision: { checksum: string; total: number; resumable: boolean },
  schemaNow: string,
): number {
  const refuse = (reason: string) => new RevisionNotResumableError(row.id, row.completed, reason);
  if (!row.resumable || !revision.resumable)
    throw refuse(
      'it reads data or uses ctx.em, so its remaining statements could act on a state they were not written for',
    );
  if (row.checksum !== revision.checksum || row.total !== revision.total)
    throw refuse('its text changed since it was interrupted');
  if (row.attempting === row.completed) return row.completed;
  // Statement `attempting` started and its end was not recorded: did it commit?
  if (schemaNow !== row.schemaBefore) return row.attempting; // the schema changed: it did; skip it
  return row.completed; // unchanged: it did not (DDL is atomic), or it was DML rolled back with its progress write
}
