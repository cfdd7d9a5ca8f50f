// Finding 3: schema names that must be quoted (mixed case, reserved words) work everywhere upshift
// names them: the tables, the trigger that keeps the state row true, the lock, the boot read.
import { Migrator } from 'upshift';
import { onPostgres } from '../helpers/each-dialect.ts';
import { chain } from '../helpers/revisions.ts';
import { countedOrm } from '../helpers/counting.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';

for (const schema of ['Mixed_Case', 'order', 'user']) {
  onPostgres(`schema option "${schema}": upgrade, a one-statement boot, a hand edit seen, downgrade`, async (t, db) => {
    const orm = await db.orm();
    const m = new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger, schema });
    t.same((await m.upgrade()).applied, ['rev0001', 'rev0002', 'rev0003']);
    const rows = await db.query<{ id: string }>(`select id from "${schema}".upshift_revisions order by id`);
    t.same(
      rows.map((r) => r.id),
      ['rev0001', 'rev0002', 'rev0003'],
      `the version table is in "${schema}"`,
    );

    const { orm: counted, statements } = await countedOrm(db);
    t.same(
      (await new Migrator({ orm: counted, revisions: chain(3), logger: memoryLogger().logger, schema }).upgrade())
        .applied,
      [],
    );
    t.equal(statements.length, 1, `a boot at head is one statement: ${statements.join(' | ')}`);

    // A hand edit fires the trigger, which must name the state table in its own (quoted) schema.
    await db.query(`update "${schema}".upshift_revisions set message = 'edited by hand' where id = 'rev0003'`);
    t.same(
      await db.query(`select count(*)::int as n from "${schema}".upshift_revisions_state`),
      [{ n: 0 }],
      'the trigger cleared the state row',
    );
    t.same((await m.upgrade()).applied, [], 'nothing to apply');
    t.same(
      await db.query(`select count(*)::int as n from "${schema}".upshift_revisions_state`),
      [{ n: 1 }],
      'and the state row is written again',
    );
    t.same((await m.downgrade('rev0001')).reverted, ['rev0003', 'rev0002']);
    t.same(
      await db.query(`select tablename as t from pg_tables where schemaname = 'public' order by 1`),
      [{ t: 't_rev0001' }],
      "the revisions' own SQL runs where the app's does",
    );
  });
}

onPostgres('a database whose default search_path is a schema that must be quoted', async (t, db) => {
  await db.query('create schema "MyTenant"');
  const [{ name }] = (await db.query<{ name: string }>('select current_database() as name')) as [{ name: string }];
  await db.query(`alter database "${name}" set search_path to "MyTenant"`);
  const orm = await db.orm();
  const m = new Migrator({ orm, revisions: chain(2), logger: memoryLogger().logger });
  t.same((await m.upgrade()).applied, ['rev0001', 'rev0002']);
  const tables = await db.query<{ t: string }>(
    `select tablename as t from pg_tables where schemaname = 'MyTenant' order by 1`,
  );
  t.same(
    tables.map((r) => r.t),
    ['t_rev0001', 't_rev0002', 'upshift_revisions', 'upshift_revisions_state'],
  );
  t.same((await m.downgrade('base')).reverted, ['rev0002', 'rev0001']);
  t.same((await m.upgrade()).applied, ['rev0001', 'rev0002']);
});
