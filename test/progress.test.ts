import { Migrator, defineRevision, migrationProgress } from 'upshift';
import { eachDialect } from './helpers/each-dialect.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

eachDialect(
  'a long revision: migrationProgress() tells "migrating revision X for N s" and a heartbeat is logged',
  async (t, db) => {
    const orm = await db.orm();
    const { logger, lines } = memoryLogger();
    const sleep = db.dialect === 'postgresql' ? 'select pg_sleep(6)' : undefined;
    const slow = defineRevision({
      id: 'slow_one',
      parents: [],
      async up(ctx) {
        if (sleep) await ctx.sql(sleep);
        else await new Promise((r) => setTimeout(r, 6_000));
      },
    });
    t.same(migrationProgress(), [], 'nothing before');
    const upgrade = new Migrator({ orm, revisions: [slow], logger }).upgrade();
    await new Promise((r) => setTimeout(r, 2_200));
    const now = migrationProgress();
    t.match(now, [{ revision: 'slow_one', direction: 'up', message: /^migrating revision slow_one for [23] s$/ }]);
    await upgrade;
    t.same(migrationProgress(), [], 'nothing after');
    t.ok(
      lines.some((l) => l.revision === 'slow_one' && /still running after 5 s/.test(String(l.msg))),
      'a heartbeat after 5 s',
    );
  },
);
