// Finding 8: the state table dropped by hand is rebuilt by the next boot, on both databases, so the
// boot after that is one statement again.
import { Migrator } from 'upshift';
import { eachDialect } from '../helpers/each-dialect.ts';
import { chain } from '../helpers/revisions.ts';
import { countingOptions } from '../helpers/counting.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';

eachDialect('a state table dropped by hand is rebuilt by the next boot', async (t, db) => {
  await new Migrator({ orm: await db.orm(), revisions: chain(3), logger: memoryLogger().logger }).upgrade();
  await db.query('drop table upshift_revisions_state');

  const { options, statements } = countingOptions();
  const orm = await db.orm([], options);
  await orm.em.getConnection().execute('select 1');
  const { logger, lines } = memoryLogger();
  t.same((await new Migrator({ orm, revisions: chain(3), logger }).upgrade()).applied, [], 'nothing to apply');
  t.same(
    lines.filter((l) => (l.level as number) >= 40).map((l) => l.msg),
    [],
    'and nothing to warn about',
  );
  t.same(
    await db.query('select count(*) as n from upshift_revisions_state').then((r) => r.map((x) => Number(x.n))),
    [1],
    'the state table is back, with its row',
  );

  for (const boot of [1, 2]) {
    statements.length = 0;
    t.same((await new Migrator({ orm, revisions: chain(3), logger }).upgrade()).applied, []);
    t.equal(statements.length, 1, `boot ${boot} after the repair is one statement: ${statements.join(' | ')}`);
  }
  // The triggers that keep the row true work on the rebuilt table.
  await db.query(`update upshift_revisions set message = 'by hand' where id = 'rev0002'`);
  t.same(
    await db.query('select count(*) as n from upshift_revisions_state').then((r) => r.map((x) => Number(x.n))),
    [0],
    'a hand edit clears the rebuilt row',
  );
});
