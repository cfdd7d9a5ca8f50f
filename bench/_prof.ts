import pg from 'pg';
import { createDb, openOrm, dropAll } from './support/db.ts';
import { openTool, upshiftRevisions, benchLogger } from './support/tools.ts';
import { interleave, median } from './support/report.ts';
import { Migrator } from 'upshift';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
for (const dialect of ['postgresql', 'sqlite'] as const) {
  const db = await createDb(dialect, 'prof');
  const h = await openTool('upshift', dialect, db.location, { n: 200 }); await h.migrate(); await h.close();
  const orm = await openOrm(dialect, db.location);
  const conn = orm.em.getConnection() as unknown as AbstractSqlConnection;
  const m = new Migrator({ orm, revisions: upshiftRevisions({ n: 200 }), logger: benchLogger() });
  const q = 'select "id", "parents", "message", "checksum", "applied_at" from "upshift_revisions"';
  let raw: () => Promise<unknown>;
  if (dialect === 'postgresql') { const c = new pg.Client({ connectionString: db.location }); await c.connect(); raw = () => c.query(q); }
  else { const S = (await import('better-sqlite3')).default; const c = new S(db.location); const st = c.prepare(q); raw = async () => st.all(); }
  const t = await interleave({
    rawDriver: raw,
    rawDriverIdOnly: dialect === 'postgresql' ? raw : raw,
    ormExecute: () => conn.execute(q, [], 'all'),
    ormExecuteIdOnly: () => conn.execute('select "id" from "upshift_revisions"', [], 'all'),
    upgrade: () => m.upgrade(),
  }, 200, 20);
  for (const [k, v] of Object.entries(t)) console.log(dialect, k, (median(v) * 1000).toFixed(0), 'µs');
  await orm.close(true);
}
await dropAll();
