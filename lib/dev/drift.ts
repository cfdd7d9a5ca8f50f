import { convergenceAfter } from './convergence.ts';
import { replay } from './replay.ts';
import { compare, readSchema, referencedBy, statementsOf, targetSchema, withoutChangedTables } from './schema-diff.ts';
import type { Shadow } from './shadow.ts';
import { rewriteSqlite } from './sqlite-rewrite.ts';

/** What check() finds between the schema the revisions build and the entities' schema. */
export interface Drift {
  /** The statements a new revision would need: real drift. Empty when there is none. */
  statements: string[];
  /** MikroORM's non-convergence (see convergence.ts): differences that are its reading, not drift. */
  unconverged: { tables: string[]; statements: string[] } | undefined;
}

/**
 * The drift of the shadow (built by the revisions) from the entities. When MikroORM finds a
 * difference, its statements are applied to the shadow and the diff is taken again: a table
 * that they left exactly as it was and that MikroORM still wants to change is its phantom, not
 * drift, and is reported apart. Costs nothing more when there is no difference, the usual case.
 * The shadow is changed: call last.
 */
export async function driftOf(shadow: Shadow): Promise<Drift> {
  const orm = shadow.orm;
  const target = targetSchema(orm);
  const before = await readSchema(shadow, target);
  const { up } = compare(orm, before, target);
  const references = referencedBy(before, target);
  const rewrite = (statements: string[]) =>
    shadow.dialect === 'sqlite' ? rewriteSqlite(statements, references) : { statements, foreignKeysOff: [] };
  const all = rewrite(statementsOf(orm, up));
  if (all.statements.length === 0) return { statements: [], unconverged: undefined };
  // Statements that fail on the shadow are drift all the same: the entities differ.
  if (await replay(shadow, all.statements, all.foreignKeysOff.length > 0))
    return { statements: all.statements, unconverged: undefined };
  const convergence = await convergenceAfter(shadow, before, target);
  if (convergence.unconverged.length === 0) return { statements: all.statements, unconverged: undefined };
  const phantoms = Object.keys(up.changedTables).filter((table) => convergence.phantoms.has(table));
  // Compared again with a target built afresh: rendering a comparison changes the schemas it renders.
  const real =
    phantoms.length > 0
      ? rewrite(statementsOf(orm, withoutChangedTables(compare(orm, before, targetSchema(orm)).up, new Set(phantoms))))
          .statements
      : all.statements;
  return { statements: real, unconverged: { tables: convergence.unconverged, statements: convergence.statements } };
}
