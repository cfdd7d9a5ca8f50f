import { Migrator } from 'upshift';
import { onMariadb } from './helpers/each-dialect.ts';
import { chain } from './helpers/revisions.ts';
import { userTables, versionRows } from './helpers/schema.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

const tables = (...ids: string[]) => ids.map((id) => `t_${id}`).sort();

onMariadb('upgrade, downgrade, stamp, status through the Migrator', async (t, db) => {
  const orm = await db.orm();
  const m = new Migrator({ orm, revisions: chain(4), logger: memoryLogger().logger });
  t.same(await m.current(), []);
  t.same((await m.upgrade('rev0002')).applied, ['rev0001', 'rev0002']);
  t.same(await userTables(db), tables('rev0001', 'rev0002'));
  t.same((await m.upgrade()).applied, ['rev0003', 'rev0004']);
  t.same(await versionRows(db), ['rev0001', 'rev0002', 'rev0003', 'rev0004']);
  t.same((await m.upgrade()).applied, [], 'nothing to do');
  t.same((await m.downgrade('-2')).reverted, ['rev0004', 'rev0003']);
  t.same(await userTables(db), tables('rev0001', 'rev0002'));
  t.equal((await m.status()).upToDate, false);
  t.same((await m.stamp('head')).added, ['rev0003', 'rev0004']);
  t.same(await m.current(), ['rev0004']);
  t.same(await db.query('select * from upshift_revisions_progress'), []);
});
