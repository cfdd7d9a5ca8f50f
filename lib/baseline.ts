import type { HeldLock } from './dialect/dialect.ts';
import { BaselineMismatchError } from './errors.ts';
import { appliedEntry, recordedNotRun } from './recorded.ts';
import type { Runtime } from './runtime.ts';
import type { AppliedRevision } from './store.ts';

/**
 * Flyway's baselineOnMigrate. At an upgrade that finds upshift's version table empty, with a
 * bundled baseline revision (baseline() from upshift/dev: the entities' full schema):
 * - none of its tables exists: a new database; nothing here, the baseline runs like any revision;
 * - every table exists with every column: the baseline is recorded as applied, not run, under
 *   the lock in one unit (re-checked there: a replica that recorded it first wins);
 * - anything between: BaselineMismatchError naming what is missing; nothing recorded or run.
 * The check reads only (a `select <columns> ... where 1 = 0` per table, outside any transaction,
 * so that a missing table cannot abort one); any other failure of that read is thrown. Extra
 * tables or columns in the database are allowed.
 */
export async function baselineExisting(rt: Runtime, lock: HeldLock): Promise<AppliedRevision[] | undefined> {
  const baseline = rt.bundle.graph.order.find((r) => r.baseline);
  if (!baseline) return undefined;
  const tables = Object.entries(baseline.baseline!.tables);
  const missingTables: string[] = [];
  const missingColumns: string[] = [];
  for (const [table, columns] of tables) {
    if (!(await readable(rt, table, ['*']))) {
      missingTables.push(table);
      continue;
    }
    if (await readable(rt, table, columns)) continue;
    for (const column of columns) if (!(await readable(rt, table, [column]))) missingColumns.push(`${table}.${column}`);
  }
  if (missingTables.length === tables.length) return undefined;
  if (missingTables.length > 0 || missingColumns.length > 0)
    throw new BaselineMismatchError(baseline.id, missingTables, missingColumns);
  return lock.unit(async (unit) => {
    const rows = await unit.rows();
    if (rows.length > 0) return rows;
    await unit.record([recordedNotRun(baseline, 'baseline: tables found')]);
    rt.logger.info(
      { baseline: baseline.id, tables: tables.length },
      `the database already has the ${tables.length} table(s) of baseline ${baseline.id}: recorded as applied, not run`,
    );
    return [appliedEntry(baseline)];
  });
}

async function readable(rt: Runtime, table: string, columns: readonly string[]): Promise<boolean> {
  const schema = rt.options.searchPath?.[0];
  const q = (identifier: string) => rt.dialect.quote(identifier);
  const name = schema ? `${q(schema)}.${q(table)}` : q(table);
  const list = columns.map((c) => (c === '*' ? c : q(c))).join(', ');
  try {
    await rt.db.query(`select ${list} from ${name} where 1 = 0`);
    return true;
  } catch (error) {
    // Only "no such table / column" means missing; a lost connection or a refused read is an
    // error, never a reason to decide the database is new and run the baseline over it.
    if (rt.dialect.isMissingTable(error) || rt.dialect.isMissingColumn(error)) return false;
    throw error;
  }
}
