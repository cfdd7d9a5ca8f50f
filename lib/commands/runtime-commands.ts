import type { Migrator } from '../migrator.ts';
import type { DowngradeResult, DryRunResult, HistoryEntry, UpgradeResult } from '../results.ts';
import { CommandUsageError, UpshiftError } from '../errors.ts';
import { ids, table, type ResultSink } from './output.ts';
import { allowOnly, requireArg, type ParsedCommand } from './parse.ts';
import { status } from './status.ts';

/** What every command receives: its parsed line, where its result goes, and the database's Migrator (made on first use). */
export interface CommandContext {
  command: ParsedCommand;
  output: ResultSink;
  migrator: () => Migrator;
}

/** A command returns its exit code: 0 done, 2 (status only) pending; errors are thrown and become 1. */
export type Command = (ctx: CommandContext) => Promise<number>;

const upgrade: Command = async ({ command, output, migrator }) => {
  allowOnly(command, ['sql', 'dry-run'], 1);
  const target = command.args[0] ?? 'heads';
  if (command.flags.sql) return offline(command, output, migrator(), 'upgrade', target);
  if (command.flags['dry-run']) return dryRunOutput(output, await migrator().upgrade(target, { dryRun: true }));
  output.result(await migrator().upgrade(target), upgradeLines);
  return 0;
};

export const upgradeLines = (r: UpgradeResult): string[] => [
  `applied: ${ids(r.applied)}`,
  `current: ${ids(r.current, '(base)')}`,
];
export const downgradeLines = (r: DowngradeResult): string[] => [
  `reverted: ${ids(r.reverted)}`,
  `current: ${ids(r.current, '(base)')}`,
];

const downgrade: Command = async ({ command, output, migrator }) => {
  allowOnly(command, ['sql', 'dry-run'], 1);
  const target = requireArg(command, 'a target (a revision id, base, or -1)');
  if (command.flags.sql) return offline(command, output, migrator(), 'downgrade', target);
  if (command.flags['dry-run']) return dryRunOutput(output, await migrator().downgrade(target, { dryRun: true }));
  output.result(await migrator().downgrade(target), downgradeLines);
  return 0;
};

/**
 * --sql (Alembic's offline mode): prints the script instead of running it. `<from>:<to>` as the
 * target states where the database stands, so no connection is made (as Alembic's `base:head`).
 */
async function offline(
  command: ParsedCommand,
  output: ResultSink,
  m: Migrator,
  operation: 'upgrade' | 'downgrade' | 'stamp',
  target: string,
): Promise<number> {
  if (command.flags['dry-run']) throw new CommandUsageError(command.name, 'Give --sql or --dry-run, not both.');
  const range = /^([^:]+):([^:]+)$/.exec(target);
  const sql = range ? await m.sql(operation, range[2], { from: range[1] as string }) : await m.sql(operation, target);
  output.result({ sql }, (r) => [r.sql.trimEnd()]);
  return 0;
}

function dryRunOutput(output: ResultSink, result: DryRunResult): number {
  output.result(result, (r) => [
    `dry run (${r.direction === 'up' ? 'upgrade' : 'downgrade'}): rolled back, nothing changed`,
    ...(r.revisions.length === 0 ? ['nothing to run'] : []),
    ...r.revisions.flatMap((rev) => [
      `-- ${rev.id}  ${rev.message}${rev.run ? ` (${Math.round(rev.durationMs)} ms)` : ` (not run: ${rev.reason ?? 'transaction: false'})`}`,
      ...rev.statements.map((sql) => `${sql.trimEnd()};`),
    ]),
  ]);
  return 0;
}

const stamp: Command = async ({ command, output, migrator }) => {
  allowOnly(command, ['purge', 'sql'], 1);
  const target = requireArg(command, 'a target (a revision id, heads or base)');
  if (command.flags.sql) {
    if (command.flags.purge)
      throw new CommandUsageError(
        'stamp',
        'stamp --sql does not render --purge; run stamp --purge against the database.',
      );
    return offline(command, output, migrator(), 'stamp', target);
  }
  const result = await migrator().stamp(target, command.flags.purge ? { purge: true } : undefined);
  output.result(result, (r) => [
    `added: ${ids(r.added)}`,
    `removed: ${ids(r.removed)}`,
    `current: ${ids(r.current, '(base)')}`,
  ]);
  return 0;
};

const current: Command = async ({ command, output, migrator }) => {
  allowOnly(command, ['verbose'], 0);
  const heads = await migrator().current();
  if (!command.flags.verbose) {
    output.result({ current: heads }, (r) => [ids(r.current, '(base)')]);
    return 0;
  }
  const byId = new Map((await migrator().history()).map((e) => [e.id, e]));
  const entries = heads.map((id) => byId.get(id) ?? { id, message: '(not in this bundle)' });
  output.result({ current: heads, entries }, (r) =>
    r.entries.length === 0 ? ['(base)'] : r.entries.map((e) => `${e.id}  ${e.message}`),
  );
  return 0;
};

const heads: Command = async ({ command, output, migrator }) => {
  allowOnly(command, ['verbose'], 0);
  output.result({ heads: migrator().heads() }, (r) => r.heads);
  return 0;
};

/** Branch points: revisions with more than one child. */
const branches: Command = async ({ command, output, migrator }) => {
  allowOnly(command, ['verbose'], 0);
  const entries = await migrator().history();
  const children = new Map<string, string[]>();
  for (const e of entries) for (const p of e.parents) children.set(p, [...(children.get(p) ?? []), e.id]);
  const points = [...children].filter(([, c]) => c.length > 1).map(([id, c]) => ({ id, children: c }));
  output.result({ branches: points }, (r) =>
    r.branches.length === 0 ? ['(no branch points)'] : r.branches.map((b) => `${b.id} -> ${b.children.join(', ')}`),
  );
  return 0;
};

const history: Command = async ({ command, output, migrator }) => {
  allowOnly(command, ['rev_range', 'verbose'], 0);
  output.result({ history: inRange(await migrator().history(), command) }, historyLines);
  return 0;
};

/** History as a table of revision, parents, message, date, applied. */
export function historyLines(list: { history: readonly HistoryEntry[] }): string[] {
  return table(
    ['revision', 'parents', 'message', 'date', 'applied'],
    list.history.map((e) => [
      e.id + (e.isHead ? ' (head)' : ''),
      e.parents.join(',') || '(base)',
      e.message,
      e.createdAt,
      e.appliedAt ? e.appliedAt.toISOString() : e.applied ? 'yes' : 'no',
    ]),
  );
}

/** `-r from:to` (either side may be empty), ids or unique prefixes, in history's parents-first order. */
export function inRange(entries: HistoryEntry[], command: ParsedCommand): HistoryEntry[] {
  const range = command.flags.rev_range;
  if (range === undefined) return entries;
  const match = /^([^:]*):([^:]*)$/.exec(range);
  if (!match)
    throw new CommandUsageError('history', `-r takes <from>:<to> (either side may be empty); got "${range}".`);
  const index = (prefix: string | undefined, fallback: number): number => {
    if (!prefix) return fallback;
    if (prefix === 'base') return 0;
    if (prefix === 'heads' || prefix === 'head') return entries.length - 1;
    const found = entries.flatMap((e, i) => (e.id.startsWith(prefix) ? [i] : []));
    if (found.length !== 1)
      throw new CommandUsageError(
        'history',
        `-r: "${prefix}" matches ${found.length} revisions; give an id or a unique prefix.`,
      );
    return found[0] as number;
  };
  return entries.slice(index(match[1], 0), index(match[2], entries.length - 1) + 1);
}

const show: Command = async ({ command, output, migrator }) => {
  allowOnly(command, [], 1);
  const rev = requireArg(command, 'a revision id or unique prefix');
  const entries = await migrator().history();
  const found = entries.filter((e) => e.id.startsWith(rev));
  if (found.length !== 1)
    throw new CommandUsageError('show', `"${rev}" matches ${found.length} revisions; give an id or a unique prefix.`);
  const entry = found[0] as HistoryEntry;
  // The revision's own SQL: the upgrade from its parents to it, rendered offline (no connection).
  let sql: string;
  try {
    sql = await migrator().sql('upgrade', entry.id, { from: entry.parents.length > 0 ? entry.parents : 'base' });
  } catch (error) {
    if (!(error instanceof UpshiftError)) throw error;
    sql = `-- cannot be rendered offline (${error.code}): ${error.message}`;
  }
  output.result({ revision: entry, sql }, (r) => [
    `Revision: ${r.revision.id}${r.revision.isHead ? ' (head)' : ''}`,
    `Parents:  ${r.revision.parents.join(', ') || '(base)'}`,
    `Date:     ${r.revision.createdAt}`,
    `Applied:  ${r.revision.appliedAt ? r.revision.appliedAt.toISOString() : r.revision.applied ? 'yes' : 'no'}`,
    '',
    `    ${r.revision.message}`,
    '',
    r.sql.trimEnd(),
  ]);
  return 0;
};

export const RUNTIME_COMMANDS: Record<string, Command> = {
  upgrade,
  downgrade,
  stamp,
  current,
  heads,
  branches,
  history,
  show,
  status,
};
