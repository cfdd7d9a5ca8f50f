import { rewritesTable } from './column-types.ts';
import type { Action, Ddl } from './sql.ts';
import type { LintState } from './state.ts';

/**
 * The rules: each reads one parsed statement and what came before it (LintState) and returns
 * the finding's message, the safe recipe in it, or undefined. "Existing table": one the current
 * revision did not create (a table created in the same revision is empty and unused).
 */
export const RULE_IDS = [
  'create-index-not-concurrently',
  'add-column-not-null-without-default',
  'set-not-null-without-check',
  'column-type-rewrite',
  'constraint-without-not-valid',
  'add-unique-constraint',
  'rename-or-drop-in-use',
  'enum-add-value-in-transaction',
] as const;

export type RuleId = (typeof RULE_IDS)[number];

export interface RuleContext {
  state: LintState;
  /** Whether the revision runs in a transaction (`transaction: false` revisions do not). */
  transaction: boolean;
}

type Rule = (ddl: Ddl, ctx: RuleContext) => string | undefined;

const q = (table: string, column?: string) =>
  [...table.split('.'), ...(column === undefined ? [] : [column])].map((p) => `"${p}"`).join('.');

/** The first message `each` returns for an action of an ALTER TABLE on an existing table. */
function onActions(each: (table: string, action: Action, ctx: RuleContext) => string | undefined): Rule {
  return (ddl, ctx) => {
    if (ddl.kind !== 'alter-table' || !ctx.state.existing(ddl.table)) return undefined;
    for (const action of ddl.actions) {
      const message = each(ddl.table, action, ctx);
      if (message) return message;
    }
    return undefined;
  };
}

const SAFE = 'revision({ safe: true }) writes this recipe.';

export const RULES: Record<RuleId, Rule> = {
  'create-index-not-concurrently': (ddl, { state }) =>
    ddl.kind === 'create-index' && !ddl.concurrently && state.existing(ddl.table)
      ? `CREATE INDEX on existing table ${q(ddl.table)} blocks every write to it (SHARE lock) until the index is built. ` +
        `Safe: CREATE INDEX CONCURRENTLY IF NOT EXISTS in a revision of its own with transaction: false, and DROP INDEX CONCURRENTLY IF EXISTS in its down(). ${SAFE}`
      : undefined,

  'add-column-not-null-without-default': onActions((table, action) => {
    if (action.kind !== 'add-column') return undefined;
    const d = action.definition;
    if (!/\bnot null\b/i.test(d) || /\b(?:default|generated)\b/i.test(d) || /^(?:small|big)?serial\b/i.test(d))
      return undefined;
    return (
      `adds NOT NULL column ${q(table, action.column)} without a default to an existing table: it fails as soon as the table holds a row. ` +
      'Safe: give it a constant DEFAULT (PostgreSQL 11+ adds it without rewriting the table), or add it nullable, backfill it in batches, then make it NOT NULL through a validated CHECK (see set-not-null-without-check).'
    );
  }),

  'set-not-null-without-check': onActions((table, action, { state }) => {
    if (action.kind !== 'set-not-null' || state.hasValidatedCheck(table, action.column)) return undefined;
    return (
      `SET NOT NULL on ${q(table, action.column)} scans the whole table under an ACCESS EXCLUSIVE lock (no reads, no writes). ` +
      `Safe: ADD CONSTRAINT <name> CHECK ("${action.column}" IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT <name> in a later revision (reads and writes go on); ` +
      `then SET NOT NULL, which PostgreSQL 12+ proves from the check without a scan, and DROP CONSTRAINT <name>. ${SAFE}`
    );
  }),

  'column-type-rewrite': onActions((table, action, { state }) => {
    if (action.kind !== 'alter-type') return undefined;
    const from = state.columnType(table, action.column);
    const using = action.using && !isPlainCast(action.using, action.column, action.type) ? action.using : undefined;
    if (from !== undefined && !using && !rewritesTable(from, action.type)) return undefined;
    const what =
      from === undefined ? 'a type the lint cannot see (no CREATE TABLE or ADD COLUMN for it in the bundle)' : from;
    return (
      `changes the type of ${q(table, action.column)} from ${what} to ${action.type}${using ? ` USING ${using}` : ''}: PostgreSQL rewrites the table and its indexes under an ACCESS EXCLUSIVE lock. ` +
      'Safe: add a column of the new type, write both and backfill in batches, move the code to it, then drop the old column in a later release (expand/contract). ' +
      'Widening varchar(n), varchar to text or numeric precision (same scale) does not rewrite and is not reported.'
    );
  }),

  'constraint-without-not-valid': onActions((table, action) => {
    if (action.kind !== 'add-constraint' || action.notValid) return undefined;
    if (action.type !== 'foreign key' && action.type !== 'check') return undefined;
    const kind = action.type === 'check' ? 'CHECK' : 'FOREIGN KEY';
    return (
      `ADD ${kind} on existing table ${q(table)} checks every row while holding a lock that blocks writes${action.type === 'foreign key' ? ' (on both tables)' : ''}. ` +
      `Safe: ADD CONSTRAINT … NOT VALID (instant), then ALTER TABLE … VALIDATE CONSTRAINT … in a second revision, which lets reads and writes go on. ${SAFE}`
    );
  }),

  'add-unique-constraint': onActions((table, action) => {
    if (action.kind !== 'add-constraint' || action.type !== 'unique' || action.usingIndex) return undefined;
    const name = action.name ?? '<name>';
    return (
      `ADD UNIQUE on existing table ${q(table)} builds its index while blocking every write. ` +
      `Safe: CREATE UNIQUE INDEX CONCURRENTLY "${name}" ON ${q(table)} (…) in a transaction: false revision, then ALTER TABLE ${q(table)} ADD CONSTRAINT "${name}" UNIQUE USING INDEX "${name}". ${SAFE}`
    );
  }),

  'rename-or-drop-in-use': (ddl, { state }) => {
    const recipe =
      'During a rolling deploy the previous release still runs and uses it, and its queries fail. Safe: expand/contract over two releases: ' +
      'first ship code that no longer uses it (for a rename: add the new name, write both, backfill, read the new one), then rename or drop it in a later release. ' +
      'Silence this with a reason once no deployed code uses it.';
    if (ddl.kind === 'drop-table') {
      const tables = ddl.tables.filter((t) => state.existing(t));
      return tables.length ? `drops table ${tables.map((t) => q(t)).join(', ')}. ${recipe}` : undefined;
    }
    return onActions((table, action) => {
      if (action.kind === 'drop-column') return `drops column ${q(table, action.column)}. ${recipe}`;
      if (action.kind === 'rename-column')
        return `renames column ${q(table, action.column)} to "${action.to}". ${recipe}`;
      if (action.kind === 'rename-table') return `renames table ${q(table)} to "${action.to}". ${recipe}`;
      return undefined;
    })(ddl, { state, transaction: true });
  },

  'enum-add-value-in-transaction': (ddl, { transaction }) =>
    ddl.kind === 'enum-add-value' && transaction
      ? `ALTER TYPE ${q(ddl.type)} ADD VALUE inside a transaction block: PostgreSQL before 12 refuses it, and from 12 on the new value cannot be used until the transaction commits. ` +
        'Safe: put it in a revision of its own with transaction: false.'
      : undefined,
};

/** `("c"::varchar(100))`, `c::text`: the cast PostgreSQL would apply anyway (MikroORM writes one). */
function isPlainCast(using: string, column: string, type: string): boolean {
  const expr = using
    .trim()
    .replace(/^\((.*)\)$/, '$1')
    .trim();
  const m = /^("(?:[^"]|"")+"|[A-Za-z_][\w$]*) ?:: ?(.+)$/.exec(expr);
  if (!m) return false;
  const name = m[1]!.startsWith('"') ? m[1]!.slice(1, -1) : m[1]!.toLowerCase();
  return name === column && m[2]!.replace(/\s/g, '').toLowerCase() === type.replace(/\s/g, '').toLowerCase();
}
