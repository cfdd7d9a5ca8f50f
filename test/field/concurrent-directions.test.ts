// Finding 5: a downgrade and an upgrade running at once, in separate processes. Whatever order
// their units of work take, the database never ends diverged: each unit re-validates its step
// against the applied set read under the lock (an upgrade's parents still applied, a downgrade's
// children not), and a step that is no longer valid stops its call, typed, at a revision boundary.
import { Migrator } from 'upshift';
import { eachDialect } from '../helpers/each-dialect.ts';
import { chain, revisionId } from '../helpers/revisions.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';
import { startWorker } from '../helpers/workers.ts';

const ROUNDS = 5;

eachDialect('a downgrade and an upgrade at once never leave the database diverged', async (t, db) => {
  const orm = await db.orm();
  const bundle = chain(10, { sideEffects: true });
  for (let round = 1; round <= ROUNDS; round++) {
    await new Migrator({ orm, revisions: bundle, logger: memoryLogger().logger }).upgrade(revisionId('rev', 5));
    const env = { REVISIONS: 10, BARRIER: 1, DELAY_MS: 30, DOWN_DELAY_MS: 30 };
    const down = startWorker(db, { ...env, OP: 'downgrade', TARGET: 'base' });
    const up = startWorker(db, env);
    await Promise.all([down.ready, up.ready]);
    down.go();
    up.go();
    const results = await Promise.all([down.done, up.done]);
    for (const r of results) {
      t.ok(
        r.result?.ok === true || /^UPSHIFT_/.test(String(r.result?.code)),
        `round ${round}: each call succeeds or fails typed (${JSON.stringify(r.result)?.slice(0, 300)})`,
      );
    }
    const rows = await db.query<{ id: string; parents: string }>('select id, parents from upshift_revisions');
    const ids = new Set(rows.map((r) => r.id));
    const orphans = rows.filter((r) => Boolean(r.parents) && r.parents.split(' ').some((p) => !ids.has(p)));
    t.same(orphans, [], `round ${round}: every applied revision's parents are applied`);
    const status = await new Migrator({ orm, revisions: bundle, logger: memoryLogger().logger }).status();
    t.not(status.relation, 'diverged', `round ${round}: not diverged`);
    const side = await db.query<{ revision: string }>('select revision from side_effects').catch(() => []);
    t.same(
      side.map((s) => s.revision).sort(),
      [...ids].sort(),
      `round ${round}: the schema matches the version table (one side-effect row per applied revision)`,
    );
    // Back to a known start for the next round.
    await new Migrator({ orm, revisions: bundle, logger: memoryLogger().logger }).upgrade();
  }
});
