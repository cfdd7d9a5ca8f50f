import type { HeldLock } from './dialect/dialect.ts';
import { AdoptionError } from './errors.ts';
import { recordedNotRun, appliedEntry } from './recorded.ts';
import type { Runtime } from './runtime.ts';
import type { AppliedRevision } from './store.ts';

/**
 * Taking over from @mikro-orm/migrations. At an upgrade that finds upshift's version table empty
 * (its first boot against this database), the migrations MikroORM's table lists are recorded as
 * applied — the revisions importMikroOrmMigrations() wrote keep their MikroORM names as ids —
 * so that only the rest run. Guarantees:
 * - it happens under upshift's lock, in one unit of work: every name is recorded or none, and a
 *   replica that gets the lock next finds the rows and adopts nothing;
 * - a name the bundle does not hold is AdoptionError and nothing is recorded or run (its changes
 *   are in the database, and no revision would account for them);
 * - MikroORM's table is only read, never changed.
 * Returns the version rows as read or written in that unit, or undefined when there was nothing
 * to adopt from (no such table, adoption off).
 */
export async function adoptMikroOrmHistory(rt: Runtime, lock: HeldLock): Promise<AppliedRevision[] | undefined> {
  const table = rt.options.adoptFrom;
  if (!table) return undefined;
  // A tenant's migrator (searchPath set) looks only in its own schema, never in the app's table.
  const schema = rt.options.searchPath?.[0];
  const q = (name: string) => rt.dialect.quote(name);
  const qualified = schema ? `${q(schema)}.${q(table)}` : q(table);
  const select = `select ${q('name')} from ${qualified}`;
  // Probed outside the unit: on PostgreSQL a missing table would abort the unit's transaction.
  try {
    await rt.db.query(`${select} where 1 = 0`);
  } catch (error) {
    if (rt.dialect.isMissingTable(error)) return undefined;
    throw error;
  }
  const graph = rt.bundle.graph;
  return lock.unit(async (unit) => {
    const rows = await unit.rows();
    if (rows.length > 0) return rows;
    const listed = (await rt.db.query(select, [], unit.trx)).map((row) => String(row.name).replace(/\.[jt]s$/, ''));
    const names = [...new Set(listed)];
    const unknown = names.filter((name) => !graph.has(name));
    if (unknown.length > 0) throw new AdoptionError(table, unknown);
    const revisions = graph.sort(names);
    await unit.record(revisions.map((revision) => recordedNotRun(revision, `adopted from ${table}`)));
    if (revisions.length > 0)
      rt.logger.info(
        { adopted: revisions.map((r) => r.id), table },
        `adopted ${revisions.length} migration(s) that ${table} lists as applied; they are recorded, not run`,
      );
    return revisions.map(appliedEntry);
  });
}
