import t from 'tap';
import { eachDialect } from '../helpers/each-dialect.ts';
import { revisionId } from '../helpers/revisions.ts';
import { boundary, noStaleLock } from './boundary.ts';
import { startWorker } from '../helpers/workers.ts';

const N = 20;
t.setTimeout(120_000);

eachDialect(
  'SIGKILL at random moments of an upgrade of 20 revisions: a revision boundary, no stale lock, the next upgrade finishes',
  async (t, db) => {
    let killedMidway = 0;
    for (let round = 1; round <= 3; round++) {
      const victim = startWorker(db, { REVISIONS: N, DELAY_MS: 40 });
      await Promise.race([victim.logged(/applying revision/), victim.done]); // done: nothing was left to apply
      await new Promise((r) => setTimeout(r, Math.random() * 700));
      victim.child.kill('SIGKILL');
      const killed = await victim.done;
      const after = await boundary(db, N);
      t.ok(
        after.consistent,
        `round ${round}: killed (${killed.signal ?? `exit ${killed.code}`}) at a revision boundary, ${after.rows.length} applied`,
        { problems: after.problems },
      );
      if (killed.signal === 'SIGKILL' && after.rows.length < N) killedMidway++;
      // Dropping the whole chain's state is not possible between rounds without a downgrade;
      // later rounds kill later upgrades of what is left, which is the same situation.
    }
    t.ok(killedMidway >= 1, `at least one kill landed mid-upgrade (${killedMidway})`);
    t.ok(await waitFor(() => noStaleLock(db)), 'no stale lock');
    const next = startWorker(db, { REVISIONS: N, TIMEOUT_MS: 3000 });
    const done = await next.done;
    t.equal(
      done.code,
      0,
      'the next upgrade gets the lock at once and finishes',
      done.code === 0 ? {} : { stderr: done.stderr.slice(-1500) },
    );
    const final = await boundary(db, N);
    t.same(
      final.rows,
      Array.from({ length: N }, (_, i) => revisionId('rev', i + 1)),
      'at head',
    );
    t.ok(final.consistent, 'every side-effect row exactly once', { problems: final.problems });
  },
);

/** The server ends a killed client's backend promptly but not instantly. */
async function waitFor(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
