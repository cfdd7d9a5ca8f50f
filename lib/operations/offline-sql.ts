import { checksumOf } from '../checksum.ts';
import { quoteIdentifier, STATE_SUFFIX, type Tables } from '../dialect/dialect.ts';
import { createTablesStatement } from '../dialect/postgresql/ddl.ts';
import { createTableStatements } from '../dialect/sqlite/ddl.ts';
import { ConfigurationError, IrreversibleRevisionError } from '../errors.ts';
import type { SqlFlavor } from '../offline/inline.ts';
import { renderScript, type ScriptStep } from '../offline/script.ts';
import { downgradePlan, upgradePlan, validateTarget } from '../plan.ts';
import { describeValue } from '../revision.ts';
import type { Runtime } from '../runtime.ts';
import { stampChanges, stampRequest } from '../stamp.ts';
import type { AppliedRevision } from '../store.ts';

export type OfflineOperation = 'upgrade' | 'downgrade' | 'stamp';

export interface OfflineOptions {
  /**
   * Where the database is assumed to stand: revision ids (their ancestors are applied too), or
   * 'base'. Given: no connection is made at all. Left out: the version table is read (a read only).
   */
  from?: string | string[];
}

/**
 * sql(operation, target, { from }): the script upgrade/downgrade/stamp would send, as text.
 * Plans exactly as the operation does, from the version rows read (or the `from` ids), and renders
 * each step with a recording context: no statement of a revision reaches the database.
 */
export async function offlineSql(
  rt: Runtime,
  operation: OfflineOperation,
  target: string | undefined,
  options: OfflineOptions = {},
): Promise<string> {
  if (operation !== 'upgrade' && operation !== 'downgrade' && operation !== 'stamp') {
    throw new ConfigurationError(
      `sql(operation): operation must be "upgrade", "downgrade" or "stamp", got ${describeValue(operation)}.`,
    );
  }
  // Declared (lazy) entries are placeholders until loaded, and load() replaces the graph: take it after.
  await rt.bundle.load(() => rt.logger);
  const graph = rt.bundle.graph;
  const goal = target ?? (operation === 'upgrade' ? 'heads' : undefined);
  if (goal === undefined)
    throw new ConfigurationError(`sql("${operation}"): a target is required, as for ${operation}().`);
  if (operation !== 'stamp') validateTarget(graph, goal, operation);
  const request = operation === 'stamp' ? stampRequest(graph, goal, undefined) : undefined;
  const connected = options.from === undefined;
  const tables = connected ? await rt.dialect.locate() : tablesFromOptions(rt);
  const rows = connected ? await (await rt.store()).readApplied() : rowsFrom(rt, options.from!);
  const applied = new Map(rows.map((r) => [r.id, r]));
  let steps: ScriptStep[];
  let final: AppliedRevision[];
  if (operation === 'upgrade') {
    const plan = upgradePlan(graph, new Set(applied.keys()), goal);
    steps = plan.map((revision) => ({ kind: 'revision', revision, direction: 'up' }));
    final = [...rows, ...plan.map((r) => ({ id: r.id, parents: [...r.parents], checksum: checksumOf(r) }))];
  } else if (operation === 'downgrade') {
    const plan = downgradePlan(graph, applied, goal);
    const irreversible = plan.find((r) => !r.down);
    if (irreversible) throw new IrreversibleRevisionError(irreversible.id);
    steps = plan.map((revision) => ({ kind: 'revision', revision, direction: 'down' }));
    const gone = new Set(plan.map((r) => r.id));
    final = rows.filter((r) => !gone.has(r.id));
  } else {
    const changes = stampChanges(graph, rows, request!.target, { purge: request!.purge });
    steps = [{ kind: 'record', ...changes }];
    const gone = new Set(changes.remove);
    const rechecked = new Map(changes.rechecksum.map((r) => [r.id, checksumOf(r)]));
    final = [
      ...rows.filter((r) => !gone.has(r.id)).map((r) => ({ ...r, checksum: rechecked.get(r.id) ?? r.checksum })),
      ...changes.add.map((r) => ({ id: r.id, parents: [...r.parents], checksum: checksumOf(r) })),
    ];
  }
  const from = connected
    ? 'the database as read now'
    : `assuming ${[options.from].flat().join(', ') || 'base'} applied`;
  return renderScript(
    {
      // Offline SQL is refused on MariaDB/MySQL before this point (Dialect.refuses).
      flavor: rt.dialect.name as SqlFlavor,
      tables,
      ddl: ddlFor(rt, tables),
      mode: rt.options.transaction,
      logger: rt.logger,
      title: `${operation} to ${goal}, ${from}`,
      finalRows: final,
    },
    steps,
  );
}

/** The tables' names as the options give them, when no connection may resolve them. */
function tablesFromOptions(rt: Runtime): Tables {
  const name = rt.options.tableName;
  const qualify = (table: string) =>
    rt.dialect.name === 'postgresql'
      ? `${quoteIdentifier(pgSchema(rt))}.${quoteIdentifier(table)}`
      : quoteIdentifier(table);
  return { table: qualify(name), stateTable: qualify(name + STATE_SUFFIX) };
}

function pgSchema(rt: Runtime): string {
  return rt.options.schema ?? 'public';
}

function ddlFor(rt: Runtime, tables: Tables): string[] {
  if (rt.dialect.name === 'sqlite') return createTableStatements(rt.options.tableName, tables);
  return [createTablesStatement({ database: '', schema: pgSchema(rt), tables })];
}

/** The version rows `from` stands for: the ids and their ancestors, with the bundle's checksums. */
function rowsFrom(rt: Runtime, from: string | string[]): AppliedRevision[] {
  const graph = rt.bundle.graph;
  const ids = [from].flat();
  for (const id of ids) {
    if (typeof id !== 'string' || (id !== 'base' && !graph.has(id))) {
      throw new ConfigurationError(
        `sql(operation, target, { from }): ${describeValue(id)} is not a bundled revision id; from names what the database already has ('base' for nothing).`,
      );
    }
  }
  const applied = graph.ancestors(ids.filter((id) => id !== 'base'));
  return graph.order
    .filter((r) => applied.has(r.id))
    .map((r) => ({ id: r.id, parents: [...r.parents], checksum: checksumOf(r) }));
}
