import type { Logger } from 'pino';
import { checksumOf } from '../checksum.ts';
import type { Tables } from '../dialect/dialect.ts';
import { RevisionFailedError, UpshiftError } from '../errors.ts';
import type { Revision } from '../revision.ts';
import type { TransactionMode } from '../runner.ts';
import { appliedDigests, STATE_COLUMNS, type DigestedRow } from '../state-row.ts';
import { inlineParams, literal, terminated, type SqlFlavor } from './inline.ts';
import { recordingContext } from './recording-context.ts';

/** Who wrote a version row that an offline script recorded. */
export const OFFLINE_APPLIED_BY = 'upshift offline script';

export interface ScriptInput {
  flavor: SqlFlavor;
  tables: Tables;
  /** The statements that create upshift's tables when missing (idempotent). */
  ddl: string[];
  mode: TransactionMode;
  logger: Logger;
  /** What the script does, in its header comment. */
  title: string;
  /** The version rows after the script, for the state row. */
  finalRows: readonly DigestedRow[];
}

export type ScriptStep =
  | { kind: 'revision'; revision: Revision; direction: 'up' | 'down' }
  | { kind: 'record'; add: readonly Revision[]; remove: readonly string[]; rechecksum: readonly Revision[] };

/**
 * The script an operation would send, statement by statement: the tables' DDL, then each step in
 * the transaction layout the runner uses ('each': a transaction per revision, its version row
 * inside it; `transaction: false` on PostgreSQL: none; 'all': one transaction around every step),
 * then the state row written from the version rows the script leaves. Revisions run against a
 * recording context, so rendering writes nothing anywhere.
 */
export async function renderScript(input: ScriptInput, steps: readonly ScriptStep[]): Promise<string> {
  const lines: string[] = [
    `-- upshift offline script (${input.flavor}): ${input.title}`,
    '-- Generated; review before running. Stops at the first error only if the client is told to (psql -v ON_ERROR_STOP=1).',
    '',
  ];
  for (const sql of input.ddl) lines.push(terminated(sql));
  lines.push('');
  const all = input.mode === 'all';
  const fkOff = input.flavor === 'sqlite' && steps.some((s) => s.kind === 'revision' && s.revision.disableForeignKeys);
  if (all) {
    if (fkOff) lines.push('pragma foreign_keys = off;');
    lines.push('begin;');
  }
  for (const step of steps) {
    const body =
      step.kind === 'revision' ? await revisionLines(input, step.revision, step.direction) : recordLines(input, step);
    if (all) {
      lines.push(...body);
      continue;
    }
    const revision = step.kind === 'revision' ? step.revision : undefined;
    const outside = revision !== undefined && !revision.transaction && input.flavor === 'postgresql';
    const foreignKeysOff = revision?.disableForeignKeys === true && input.flavor === 'sqlite';
    if (foreignKeysOff) lines.push('pragma foreign_keys = off;');
    if (!outside) lines.push('begin;');
    else lines.push(`-- ${revision.id} has transaction: false: its statements run outside any transaction.`);
    lines.push(...body);
    if (foreignKeysOff) lines.push('pragma foreign_key_check; -- must return no rows before the commit');
    if (!outside) lines.push('commit;');
    if (foreignKeysOff) lines.push('pragma foreign_keys = on;');
    lines.push('');
  }
  if (all) {
    if (fkOff) lines.push('pragma foreign_key_check; -- must return no rows before the commit');
    lines.push('commit;');
    if (fkOff) lines.push('pragma foreign_keys = on;');
    lines.push('');
  }
  lines.push(
    '-- The state row: the digest of the version table, which lets the next boot skip reading it.',
    ...stateRowLines(input),
  );
  return `${lines.join('\n')}\n`;
}

async function revisionLines(input: ScriptInput, revision: Revision, direction: 'up' | 'down'): Promise<string[]> {
  const statements: string[] = [];
  const ctx = recordingContext(revision.id, input.flavor, input.logger, statements);
  try {
    await (direction === 'up' ? revision.up : revision.down!)(ctx);
  } catch (error) {
    if (error instanceof UpshiftError) throw error;
    throw new RevisionFailedError(revision.id, direction, error, false);
  }
  const lines = [
    `-- ${direction === 'up' ? 'upgrade' : 'downgrade'} ${revision.id}${revision.message ? `: ${revision.message}` : ''}`,
    ...statements.map(terminated),
  ];
  const t = input.tables.table;
  if (direction === 'up') lines.push(...insertRows(input, [revision]));
  else lines.push(`delete from ${t} where "id" = ${literal(revision.id, input.flavor)};`);
  return lines;
}

function recordLines(input: ScriptInput, step: Extract<ScriptStep, { kind: 'record' }>): string[] {
  const t = input.tables.table;
  const lines = ['-- stamp: version rows only, no revision runs'];
  if (step.remove.length > 0)
    lines.push(`delete from ${t} where "id" in (${step.remove.map((id) => literal(id, input.flavor)).join(', ')});`);
  for (const r of step.rechecksum)
    lines.push(
      `update ${t} set "checksum" = ${literal(checksumOf(r), input.flavor)} where "id" = ${literal(r.id, input.flavor)};`,
    );
  lines.push(...insertRows(input, step.add));
  return lines;
}

function insertRows(input: ScriptInput, revisions: readonly Revision[]): string[] {
  const now = input.flavor === 'postgresql' ? 'now()' : `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
  return revisions.map((r) =>
    inlineParams(
      `insert into ${input.tables.table} ("id", "parents", "message", "checksum", "applied_at", "duration_ms", "applied_by") values (?, ?, ?, ?, ${now}, 0, ?);`,
      [r.id, r.parents.join(' '), r.message, checksumOf(r), OFFLINE_APPLIED_BY],
      input.flavor,
    ),
  );
}

function stateRowLines(input: ScriptInput): string[] {
  const d = appliedDigests(input.finalRows);
  const { keys, ids } = STATE_COLUMNS;
  return [
    inlineParams(
      `insert into ${input.tables.stateTable} ("id", "${keys}", "${ids}") values (1, ?, ?) on conflict ("id") do update set "${keys}" = excluded."${keys}", "${ids}" = excluded."${ids}";`,
      [d.keys, d.ids],
      input.flavor,
    ),
  ];
}
