import type { DatabaseSchema, SchemaDifference } from '@mikro-orm/sql';
import { placeAddedColumns } from './column-position.ts';
import { convergenceAfter, describeUnconverged } from './convergence.ts';
import { dataLossOf } from './data-loss.ts';
import { culpritOf } from './entity-property.ts';
import { GeneratedStatementError } from './errors.ts';
import { irreversibleReason } from './irreversible.ts';
import { notNullWarnings } from './not-null.ts';
import { replay } from './replay.ts';
import {
  compare,
  readSchema,
  referencedBy,
  statementsOf,
  targetSchema,
  withoutChangedTables,
  type Comparison,
  type Statement,
} from './schema-diff.ts';
import type { Shadow } from './shadow.ts';
import { rewriteSqlite, type SqliteRewrite } from './sqlite-rewrite.ts';

/** What revision() writes, decided on the shadow database. */
export interface GeneratedSql {
  up: Statement[];
  down: Statement[];
  /** Why the revision must run with foreign keys off (SQLite); empty when it need not. */
  foreignKeysOff: string[];
  /** Why the revision has no down(); undefined when it has one. */
  irreversible: string | undefined;
  /**
   * MikroORM's diff still differs after this revision on tables it touches, in a way that is not
   * the entities' (see convergence.ts); when nothing is left to write, every such table.
   */
  unconverged: string | undefined;
  /** Tables whose changes were left out: MikroORM's phantoms. */
  ignored: string[];
}

/**
 * The statements that take the shadow's schema (built by the existing revisions) to the
 * entities' schema, and back, checked on the shadow before anything is written:
 *
 * - up() runs on the shadow as the runner will run it; a statement the database rejects fails
 *   revision() with GeneratedStatementError, naming the statement and the entity property.
 * - the diff is taken again: what MikroORM still asks for and that changed nothing is left out
 *   (a revision that would repeat forever), and any other remainder is named.
 * - down() runs on the shadow after up(); a down() that fails, or that cannot undo up(), is
 *   left out: the revision is irreversible, and says why.
 *
 * The shadow is left wherever this stopped: the caller closes it.
 */
export async function generate(shadow: Shadow): Promise<GeneratedSql> {
  const orm = shadow.orm;
  const target = targetSchema(orm);
  const before = await readSchema(shadow, target);
  let comparison = compare(orm, before, target);
  const references = referencedBy(before, target);
  const rewrite = (difference: SchemaDifference): SqliteRewrite => {
    const statements = statementsOf(orm, difference);
    return shadow.dialect === 'sqlite' ? rewriteSqlite(statements, references) : { statements, foreignKeysOff: [] };
  };
  let up = rewrite(comparison.up);
  const nothing: GeneratedSql = {
    up: [],
    down: [],
    foreignKeysOff: [],
    irreversible: undefined,
    unconverged: undefined,
    ignored: [],
  };
  if (up.statements.length === 0) return nothing;

  const failure = await replay(shadow, up.statements, up.foreignKeysOff.length > 0);
  if (failure)
    throw new GeneratedStatementError(
      failure.statement,
      failure.reason,
      await culpritOf(shadow, failure.statement, failure.reason),
      failure.error,
    );

  const convergence = await convergenceAfter(shadow, before, target);
  const ignored = Object.keys(comparison.up.changedTables).filter((table) => convergence.phantoms.has(table));
  if (ignored.length > 0) {
    // Compared again with a target built afresh: rendering a comparison changes the schemas it
    // renders (MikroORM moves each column's CHECK into the CREATE TABLE it writes, removing it
    // from the table), so a rendered comparison cannot be rendered twice. `before` is still
    // intact: only rendering `down` would change it.
    comparison = withoutTables(compare(orm, before, targetSchema(orm)), new Set(ignored));
    up = rewrite(comparison.up);
  }
  if (up.statements.length === 0) {
    return {
      ...nothing,
      unconverged: convergence.unconverged.length > 0 ? describeUnconverged(convergence) : undefined,
      ignored,
    };
  }
  // The file notes only what this revision touches and MikroORM still finds different: the
  // phantoms left out above come back in every diff and are not this revision's.
  const remaining = convergence.unconverged.filter((table) => !ignored.includes(table));
  const unconverged = remaining.length > 0 ? describeUnconverged(convergence, remaining) : undefined;

  let down = rewrite(comparison.down);
  // MariaDB/MySQL: a column down() adds back goes where it was, not last (column-position.ts).
  if (shadow.dialect === 'mariadb') down.statements = placeAddedColumns(down.statements, before);
  let irreversible = irreversibleReason(shadow.dialect, up.statements, down.statements);
  if (!irreversible) {
    const failed = await replay(shadow, down.statements, down.foreignKeysOff.length > 0);
    if (failed)
      irreversible = `MikroORM's down() fails on the shadow database at "${failed.statement}": ${failed.reason}`;
  }
  if (irreversible) down = { statements: [], foreignKeysOff: [] };
  return {
    up: annotate(up.statements, comparison.up, before, target, shadow.dialect),
    down: annotate(down.statements, comparison.down, target, before, shadow.dialect),
    foreignKeysOff: [...new Set([...up.foreignKeysOff, ...down.foreignKeysOff])],
    irreversible,
    unconverged,
    ignored,
  };
}

function withoutTables(comparison: Comparison, tables: ReadonlySet<string>): Comparison {
  return { up: withoutChangedTables(comparison.up, tables), down: withoutChangedTables(comparison.down, tables) };
}

function annotate(
  statements: string[],
  difference: SchemaDifference,
  from: DatabaseSchema,
  to: DatabaseSchema,
  dialect: Shadow['dialect'],
): Statement[] {
  const warnings = notNullWarnings(difference, statements, dialect);
  return statements.map((sql, i) => ({
    sql,
    dataLoss: dataLossOf(sql, statements, from, to, dialect),
    warnings: warnings.get(i),
  }));
}
