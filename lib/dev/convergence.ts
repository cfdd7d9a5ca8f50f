import type { DatabaseSchema } from '@mikro-orm/sql';
import { compare, readSchema, statementsOf, tablesOf, targetSchema } from './schema-diff.ts';
import type { Shadow } from './shadow.ts';

/**
 * MikroORM's diff does not always converge: on SQLite it reads a composite foreign key back as
 * two single-column keys, a bigint primary key as an integer, a native enum's type name and an
 * enum array as something else than it wrote, and so asks for the same rebuild after every
 * rebuild. A revision built from such a diff would repeat forever, and check() would report
 * drift forever.
 *
 * So, after MikroORM's statements were applied to the shadow, the diff is taken again. A table it
 * still wants to change has not converged. If applying the statements left that table exactly as
 * it was (MikroORM's own reading of the table, before and after, is the same), the change it asks
 * for is an artefact of how MikroORM reads the table, not a difference from the entities: a
 * phantom, which upshift leaves out instead of writing it again and again.
 */
export interface Convergence {
  /** Tables MikroORM still wants to change after its own statements ran. */
  unconverged: string[];
  /** What it asks for again (its statements, without SQLite's foreign key pragmas). */
  statements: string[];
  /** Of the unconverged tables, those its statements left exactly as they were. */
  phantoms: Set<string>;
}

/** Reads the shadow again after `before` was taken to the entities' schema by MikroORM's statements. */
export async function convergenceAfter(
  shadow: Shadow,
  before: DatabaseSchema,
  target: DatabaseSchema,
): Promise<Convergence> {
  const after = await readSchema(shadow, target); // the target's namespaces are intact
  // A target built afresh: the caller's was changed by rendering its comparison (see statementsOf).
  const residual = compare(shadow.orm, after, targetSchema(shadow.orm)).up;
  const statements = displayed(statementsOf(shadow.orm, residual));
  if (statements.length === 0) return { unconverged: [], statements: [], phantoms: new Set() };
  const moved = new Set(tablesOf(compare(shadow.orm, before, after).up));
  const phantoms = new Set(Object.keys(residual.changedTables).filter((table) => !moved.has(table)));
  return { unconverged: tablesOf(residual), statements, phantoms };
}

/** One line for a log or a comment: which tables (all, or those given), and what MikroORM keeps asking for. */
export function describeUnconverged(
  convergence: Convergence,
  only: readonly string[] = convergence.unconverged,
): string {
  const tables = only.map((t) => `"${t}"`).join(', ');
  const bare = only.map((t) => t.slice(t.lastIndexOf('.') + 1));
  const example =
    convergence.statements.find((s) => bare.some((t) => s.includes(`\`${t}`) || s.includes(`"${t}`))) ??
    convergence.statements[0]!;
  return (
    `MikroORM's diff does not converge on ${tables}: after its own statements ran, it still asks for statements such as ${clip(example)}. ` +
    'This is how MikroORM reads these tables back, not a difference from the entities; upshift leaves it out of later revisions and check() does not count it as drift.'
  );
}

function displayed(statements: string[]): string[] {
  return statements.filter((s) => !/^pragma\s+foreign_keys\s*=/i.test(s));
}

function clip(statement: string): string {
  return statement.length > 100 ? `${statement.slice(0, 99)}…` : statement;
}
