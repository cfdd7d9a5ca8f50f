import type { Logger } from 'pino';
import { recordingContext } from '../../offline/recording-context.ts';
import type { Revision } from '../../revision.ts';
import { RULE_IDS, RULES, type RuleId } from './rules.ts';
import { sourceIgnores, type SourceIgnore } from './source-ignores.ts';
import { type IgnoreDirective, parseDdl, stripComments } from './sql.ts';
import { LintState } from './state.ts';

/** A malformed `upshift-lint-ignore` comment: an unknown rule, or no reason. It silences nothing. */
export const INVALID_IGNORE = 'invalid-lint-ignore';

export interface LintFinding {
  /** The revision the statement belongs to (absent when SQL was linted on its own). */
  revision?: string;
  rule: RuleId | typeof INVALID_IGNORE;
  statement: string;
  /** What the statement does to a busy database, and the safe recipe. */
  message: string;
}

export interface LintOptions {
  /** false for a `transaction: false` revision. Default true. */
  transaction?: boolean;
  /** What earlier statements and revisions built; updated by this call. */
  state?: LintState;
  /** `//` directives read from the revision's source (source-ignores.ts). */
  sourceIgnores?: readonly SourceIgnore[];
}

/**
 * The findings of one revision's statements, per statement (PostgreSQL). A statement is silenced
 * for a rule by a directive with a reason, in a `--` comment inside it or a `//` line above its
 * `sql()` call; a directive without a reason, or naming no rule, is itself a finding.
 */
export function lintStatements(statements: readonly string[], options: LintOptions = {}): LintFinding[][] {
  const state = options.state ?? new LintState();
  const transaction = options.transaction ?? true;
  state.startRevision();
  return statements.map((statement) => {
    const { text, directives } = stripComments(statement);
    const all: IgnoreDirective[] = [
      ...directives,
      ...(options.sourceIgnores ?? []).filter((d) => d.matches(statement)),
    ];
    const findings: LintFinding[] = [];
    const silenced = new Set<string>();
    for (const d of all) {
      const problem = !(RULE_IDS as readonly string[]).includes(d.rule)
        ? `names no rule of the lint ("${d.rule}"); the rules are ${RULE_IDS.join(', ')}`
        : d.reason === ''
          ? `for "${d.rule}" gives no reason: write one after a colon (upshift-lint-ignore ${d.rule}: why it is safe here)`
          : undefined;
      if (problem)
        findings.push({
          rule: INVALID_IGNORE,
          statement,
          message: `the upshift-lint-ignore comment ${problem}; it silences nothing.`,
        });
      else silenced.add(d.rule);
    }
    const ddl = parseDdl(text);
    for (const rule of RULE_IDS) {
      if (silenced.has(rule)) continue;
      const message = RULES[rule](ddl, { state, transaction });
      if (message) findings.push({ rule, statement, message });
    }
    state.apply(ddl);
    return findings;
  });
}

/** Flat findings of SQL statements taken as one revision. */
export function lintSql(statements: readonly string[], options: LintOptions = {}): LintFinding[] {
  return lintStatements(statements, options).flat();
}

export interface RevisionsLint {
  findings: LintFinding[];
  /** The schema knowledge after the last revision (revision() lints what it generates on top). */
  state: LintState;
}

/**
 * Lints the up() of every revision, in the order given (the graph's): each runs against a
 * recording context, so nothing reaches a database. A revision that reads rows stops recording
 * there; its statements before the read are linted, and the logger says so. down() is not linted:
 * it undoes a revision, and its drops are of what up() created.
 */
export async function lintRevisions(revisions: readonly Revision[], logger: Logger): Promise<RevisionsLint> {
  const state = new LintState();
  const findings: LintFinding[] = [];
  for (const revision of revisions) {
    const statements = await recordedUp(revision, logger);
    const per = lintStatements(statements, {
      transaction: revision.transaction !== false,
      state,
      sourceIgnores: sourceIgnores(String(revision.up)),
    });
    for (const f of per.flat()) findings.push({ revision: revision.id, ...f });
  }
  return { findings, state };
}

async function recordedUp(revision: Revision, logger: Logger): Promise<string[]> {
  const statements: string[] = [];
  try {
    await revision.up(recordingContext(revision.id, 'postgresql', logger, statements));
  } catch (error) {
    logger.info(
      { revision: revision.id, error: (error as Error)?.message },
      `lint: revision ${revision.id} up() needs a database past its first ${statements.length} statement(s) (it reads rows or fails without one); only those were linted`,
    );
  }
  return statements;
}
