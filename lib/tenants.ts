import type { Logger } from 'pino';
import { Bundle } from './bundle.ts';
import { Database } from './database.ts';
import { createDialect, refuseIfUnsupported } from './dialect/index.ts';
import type { Dialect, TenantRegistry } from './dialect/dialect.ts';
import { typed } from './driver-errors.ts';
import { ConfigurationError, type UpshiftError } from './errors.ts';
import { current as currentOf, history as historyOf, status as statusOf } from './operations/inspect.ts';
import { downgrade as downgradeOf } from './operations/downgrade.ts';
import { upgrade as upgradeOf } from './operations/upgrade.ts';
import { checkTransactionFlags, resolveOptions, type MigratorOptions, type ResolvedOptions } from './options.ts';
import type { DowngradeResult, HistoryEntry, Status, UpgradeResult } from './results.ts';
import { refreshState } from './locked.ts';
import { defaultLogger, Runtime } from './runtime.ts';

export interface TenantOptions extends Omit<MigratorOptions, 'schema' | 'searchPath'> {
  /** The tenant schemas, or a function that lists them (asked on every call: new tenants are migrated). */
  schemas: readonly string[] | (() => readonly string[] | Promise<readonly string[]>);
  /** How many tenants are migrated at once. Default 4; each needs two of the pool's connections. */
  concurrency?: number;
}

/** One tenant's outcome: a failing tenant never stops the others. */
export type TenantResult<T> =
  | { schema: string; ok: true; result: T }
  | { schema: string; ok: false; error: UpshiftError };

/**
 * One schema per tenant (PostgreSQL): every tenant schema holds its own version table and state
 * row, has its own lock, and runs the one bundle's revisions with its own search_path, so
 * unqualified SQL (what MikroORM writes for entities declared with schema '*') lands in the tenant.
 *
 * A call with nothing to do reads every tenant's digests at once from a registry in the app's own
 * schema (`<table>_tenants`, kept true like each tenant's state row): one statement, and one more
 * on a new TenantMigrator to find the schema, whatever the number of tenants. Only the tenants that
 * are not up to date take their own path (a Migrator's), `concurrency` at a time. Results come
 * back per tenant, in the order of `schemas`.
 */
export class TenantMigrator {
  readonly #options: TenantOptions;
  readonly #resolved: ResolvedOptions;
  readonly #bundle: Bundle;
  readonly #db: Database;
  readonly #shared: Dialect;
  readonly #concurrency: number;
  readonly #runtimes = new Map<string, Runtime>();
  #defaultLogger: Logger | undefined;
  #createdRegistry: Promise<TenantRegistry> | undefined;

  constructor(options: TenantOptions) {
    if (!options || typeof options !== 'object')
      throw new ConfigurationError(
        'new TenantMigrator(options): options must be an object with { orm, revisions, schemas }.',
      );
    const { schemas, concurrency = 4, ...rest } = options;
    if (!Array.isArray(schemas) && typeof schemas !== 'function') {
      throw new ConfigurationError(
        'new TenantMigrator(options): schemas must be a list of schema names, or a function that returns one.',
      );
    }
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new ConfigurationError(
        `new TenantMigrator(options): concurrency must be a whole number ≥ 1, got ${String(concurrency)}.`,
      );
    this.#options = options;
    // Checked as a Migrator checks its options, with a stand-in tenant.
    this.#resolved = resolveOptions({ ...rest, schema: 'tenant', searchPath: 'tenant' });
    if (this.#resolved.tableName.length > 55) {
      throw new ConfigurationError(
        `new TenantMigrator(options): tableName "${this.#resolved.tableName}" leaves no room for the registry "${this.#resolved.tableName}_tenants" (at most 55 characters).`,
      );
    }
    this.#bundle = new Bundle(options.revisions);
    this.#db = new Database(options.orm, this.#resolved.connectionWaitMs);
    this.#shared = createDialect(options.orm, this.#db, {
      name: this.#resolved.tableName,
      schema: undefined,
      lockScope: this.#resolved.lockScope,
    });
    refuseIfUnsupported(this.#shared, 'tenants', 'new TenantMigrator(options)');
    if (!this.#shared.readStateDigests || !this.#shared.tenantRegistry)
      throw new ConfigurationError('new TenantMigrator(options): a schema per tenant needs PostgreSQL.');
    checkTransactionFlags(this.#resolved, this.#bundle.revisions, this.#shared.runsOutsideTransactions);
    this.#concurrency = concurrency;
  }

  /** Brings every tenant to the target (default: every bundled revision). */
  upgrade(target = 'heads'): Promise<TenantResult<UpgradeResult>[]> {
    return typed('upgrade', this.#upgrade(target));
  }

  async #upgrade(target: string): Promise<TenantResult<UpgradeResult>[]> {
    const schemas = await this.#schemas();
    const upToDate = target === 'heads' ? await this.#upToDate(schemas) : new Set<string>();
    if (upToDate.size < schemas.length) await this.#registry(true);
    return this.#each(schemas, async (schema) => {
      if (upToDate.has(schema)) return { applied: [], skipped: [], current: this.#bundle.graph.heads(), durationMs: 0 };
      const rt = await this.#runtime(schema);
      const result = await typed('upgrade', upgradeOf(rt, target));
      // A tenant that was at head without a registry row (a first call, a hand edit): write it,
      // so that the next call finds it there. After a run, the lock's release wrote it already.
      if (result.applied.length === 0) await refreshState(rt);
      return result;
    });
  }

  downgrade(target: string): Promise<TenantResult<DowngradeResult>[]> {
    return this.#eachTenant('downgrade', (rt) => downgradeOf(rt, target));
  }

  status(): Promise<TenantResult<Status>[]> {
    return this.#eachTenant('status', statusOf);
  }

  current(): Promise<TenantResult<string[]>[]> {
    return this.#eachTenant('current', currentOf);
  }

  /** The bundled revisions, parents first, with whether (and when) each tenant applied them. */
  history(): Promise<TenantResult<HistoryEntry[]>[]> {
    return this.#eachTenant('history', historyOf);
  }

  /** `operation` on every tenant's own runtime, a result each. */
  #eachTenant<T>(operation: string, work: (rt: Runtime) => Promise<T>): Promise<TenantResult<T>[]> {
    return typed(
      operation,
      (async () =>
        this.#each(await this.#schemas(), async (schema) => typed(operation, work(await this.#runtime(schema)))))(),
    );
  }

  /** The tenants whose state row vouches for the bundle: nothing to do there. */
  async #upToDate(schemas: readonly string[]): Promise<Set<string>> {
    const kind = this.#resolved.checksums === 'off' ? 'ids' : 'keys';
    try {
      const digests = await this.#shared.readStateDigests!(await this.#registry(false), schemas, kind);
      const bundle = this.#bundle.digest(kind);
      return new Set(schemas.filter((schema) => digests.get(schema) === bundle));
    } catch (error) {
      // Not a verdict on any tenant: each takes its own path, and reports its own failure.
      this.#logger.debug({ err: error }, "could not read the tenants' state rows at once; each tenant reads its own");
      return new Set();
    }
  }

  async #schemas(): Promise<string[]> {
    const given = this.#options.schemas;
    const list = typeof given === 'function' ? await given() : given;
    if (!Array.isArray(list))
      throw new ConfigurationError('TenantMigrator: the schemas function must return a list of schema names.');
    for (const schema of list) resolveOptions({ ...this.#options, schema, searchPath: schema }); // same checks as a Migrator's
    const unique = [...new Set(list as string[])];
    if (unique.length !== list.length) throw new ConfigurationError('TenantMigrator: a schema is listed twice.');
    return unique;
  }

  /** Where the registry of all tenants is (created when asked, once per TenantMigrator). */
  async #registry(create: boolean): Promise<TenantRegistry> {
    if (create)
      return (this.#createdRegistry ??= this.#shared.tenantRegistry!(true).catch((error: unknown) => {
        this.#createdRegistry = undefined;
        throw error;
      }));
    return this.#createdRegistry ?? this.#shared.tenantRegistry!(false);
  }

  /** The tenant's own runtime: its version table, its lock, its search_path; the bundle and the pool shared. */
  async #runtime(schema: string): Promise<Runtime> {
    let rt = this.#runtimes.get(schema);
    if (!rt) {
      const registry = await this.#registry(true);
      const options = { ...this.#resolved, schema, searchPath: [schema] };
      const dialect = createDialect(this.#options.orm, this.#db, {
        name: options.tableName,
        schema,
        lockScope: options.lockScope,
        searchPath: [schema],
        registry,
      });
      rt = new Runtime({
        options,
        bundle: this.#bundle,
        db: this.#db,
        dialect,
        logger: this.#logger.child({ tenant: schema }),
      });
      this.#runtimes.set(schema, rt);
    }
    return rt;
  }

  get #logger(): Logger {
    return (this.#options.logger as Logger | undefined) ?? (this.#defaultLogger ??= defaultLogger());
  }

  /** Runs `work` for every schema, `concurrency` at a time; a failure is that tenant's result. */
  async #each<T>(schemas: readonly string[], work: (schema: string) => Promise<T>): Promise<TenantResult<T>[]> {
    const results: TenantResult<T>[] = new Array(schemas.length);
    let next = 0;
    const worker = async () => {
      while (next < schemas.length) {
        const i = next++;
        const schema = schemas[i]!;
        try {
          results[i] = { schema, ok: true, result: await work(schema) };
        } catch (error) {
          results[i] = { schema, ok: false, error: error as UpshiftError };
          this.#logger.error({ tenant: schema, err: error }, `tenant ${schema}: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, schemas.length) }, worker));
    return results;
  }
}

/** `new TenantMigrator(options).upgrade()`: every tenant brought to the bundle, a result each. */
export function upgradeTenants(options: TenantOptions): Promise<TenantResult<UpgradeResult>[]> {
  return new TenantMigrator(options).upgrade();
}
