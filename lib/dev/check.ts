import type { MikroORM } from '@mikro-orm/core';
import { RevisionFailedError } from '../errors.ts';
import { validateRevision, type Revision } from '../revision.ts';
import { RevisionGraph } from '../revision-graph.ts';
import { InvalidDevOptionError, RoundTripError, SchemaDriftError, UnmergedHeadsError } from './errors.ts';
import { requireOrm } from './revision.ts';
import { compareSchemas, diffSchema, readSchema } from './schema-diff.ts';
import { openShadow, type Shadow } from './shadow.ts';

export interface CheckOptions {
  /** The app's MikroORM instance: lends its entities and configuration; its database is never used. */
  orm: MikroORM;
  /** The bundle, as the app passes it to the Migrator. */
  revisions: readonly Revision[];
  /** Skip the upgrade → downgrade → upgrade test of each revision (faster; default false). */
  skipRoundTrip?: boolean;
}

export interface CheckResult {
  revisions: number;
  /** Revisions without down(): their round trip stops at up. */
  irreversible: string[];
  durationMs: number;
}

/**
 * For test hooks. In a shadow database: every revision must survive upgrade → downgrade →
 * upgrade (down() restores the schema exactly, up() again rebuilds it exactly), the bundle must
 * have one head, and the schema the revisions build must be the entities' schema. Throws
 * UnmergedHeadsError, RoundTripError or SchemaDriftError, naming what to fix.
 */
export async function check(options: CheckOptions): Promise<CheckResult> {
  const started = performance.now();
  const operation = 'check()';
  if (!options || typeof options !== 'object') throw new InvalidDevOptionError(operation, 'options', 'must be an object: { orm, revisions }.');
  const orm = requireOrm(operation, options.orm);
  if (!Array.isArray(options.revisions)) throw new InvalidDevOptionError(operation, 'revisions', 'must be the array exported by revisions/index.ts.');
  const revisions = options.revisions.map((r, i) => validateRevision(r, `revisions[${i}]`));
  const graph = new RevisionGraph(revisions);
  const heads = graph.heads();
  if (heads.length > 1) throw new UnmergedHeadsError(heads, operation);

  const shadow = await openShadow(orm, operation);
  const irreversible: string[] = [];
  try {
    if (options.skipRoundTrip) await shadow.build(revisions);
    else {
      // Each round trip ends at the schema the next one starts from: read it once, not twice.
      let before = await readSchema(shadow);
      for (const r of graph.order) {
        const trip = await roundTrip(shadow, revisions, r, before);
        if (!trip.reversible) irreversible.push(r.id);
        before = trip.after;
      }
    }
    const { up } = await diffSchema(shadow);
    if (up.length > 0) throw new SchemaDriftError(up.map((s) => s.sql));
  } finally {
    await shadow.close();
  }
  return { revisions: revisions.length, irreversible, durationMs: Math.round(performance.now() - started) };
}

/** Applies the next revision, reverts it, applies it again, comparing schemas each time. */
async function roundTrip(
  shadow: Shadow,
  revisions: readonly Revision[],
  r: Revision,
  before: Awaited<ReturnType<typeof readSchema>>,
): Promise<{ reversible: boolean; after: Awaited<ReturnType<typeof readSchema>> }> {
  const migrator = shadow.migrator(revisions);
  const step = async (what: 'up' | 'down' | 'up-again', run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (error) {
      const cause = error instanceof RevisionFailedError ? error.cause : error;
      throw new RoundTripError(r.id, what, `its ${what === 'down' ? 'down' : 'up'}() failed${what === 'up-again' ? ' when applied again after down()' : ''}: ${(cause as Error)?.message ?? String(cause)}.`, [], error);
    }
  };
  await step('up', () => migrator.upgrade('+1'));
  const after = await readSchema(shadow);
  if (!r.down) return { reversible: false, after };
  await step('down', () => migrator.downgrade('-1'));
  const restored = compareSchemas(shadow.orm, await readSchema(shadow), before);
  if (restored.length > 0) {
    throw new RoundTripError(r.id, 'down', 'after up() then down(), the schema is not what it was before up(); these statements would restore it:', restored);
  }
  await step('up-again', () => migrator.upgrade('+1'));
  const again = compareSchemas(shadow.orm, await readSchema(shadow), after);
  if (again.length > 0) {
    throw new RoundTripError(r.id, 'up-again', 'up() applied again after down() builds a different schema than the first time; these statements would make them equal:', again);
  }
  return { reversible: true, after };
}
