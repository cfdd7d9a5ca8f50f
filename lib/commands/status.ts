import type { Status } from '../results.ts';
import { ids } from './output.ts';
import { allowOnly } from './parse.ts';
import type { Command } from './runtime-commands.ts';

/** What `status` prints and exits with, for one database or tenant. */
export interface StatusReport {
  /** The status, and with a relation other than 'ok', `problem`: what is wrong and what to do. */
  value: Status & { problem?: string };
  lines: string[];
  /** 0 up to date, 2 revisions pending that upgrade would apply, 1 ahead or diverged. */
  code: number;
}

/**
 * A gate for CI and init containers. A database ahead of the bundle (a newer release applied
 * revisions this code lacks) or diverged from it (another line of history) is not "pending":
 * upgrading with this code cannot bring it to the bundle, so it exits 1 and says what to do.
 */
export function statusReport(s: Status): StatusReport {
  const problem = problemOf(s);
  const value = problem ? { ...s, problem } : s;
  const lines = [
    problem ? s.relation : s.upToDate ? 'up to date' : 'not up to date',
    `current: ${ids(s.current, '(base)')}`,
    `heads:   ${ids(s.heads)}`,
    `pending: ${ids(s.pending)}`,
    ...(s.unknown.length > 0 ? [`unknown to this bundle: ${ids(s.unknown)}`] : []),
    ...(s.edited.length > 0 ? [`edited since applied: ${ids(s.edited)}`] : []),
    ...(problem ? [problem] : []),
  ];
  return { value, lines, code: problem ? 1 : s.upToDate ? 0 : 2 };
}

function problemOf(s: Status): string | undefined {
  if (s.relation === 'ahead' && s.pending.length === 0) {
    return (
      `The database is ahead of this code: it holds ${ids(s.unknown)}, which this bundle does not have (a newer release applied them). ` +
      `Deploy that release, or, to go back, downgrade to ${ids(s.heads, 'base')} with the newer release's script.`
    );
  }
  if (s.relation === 'diverged') {
    return (
      `The database and this code have diverged: ${s.unknown.length > 0 ? `it holds ${ids(s.unknown)}, which this bundle does not have` : 'bundled revisions are missing below applied ones'}` +
      `${s.pending.length > 0 ? `, and this code would apply ${ids(s.pending)}` : ''}. upgrade refuses (UPSHIFT_DIVERGED): ` +
      'deploy code whose bundle holds both lines of history (merge the branches), or bring the database back with the code that applied them.'
    );
  }
  return undefined;
}

export const status: Command = async ({ command, output, migrator }) => {
  allowOnly(command, [], 0);
  const report = statusReport(await migrator().status());
  output.result(report.value, () => report.lines);
  return report.code;
};
