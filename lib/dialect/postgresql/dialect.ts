import type { Transaction } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { PostgreSqlDdlGuard } from './ddl-limits.ts';
import { sha256Int64 } from '../../crypto.ts';
import type { Database, Row } from '../../database.ts';
import { ConfigurationError } from '../../errors.ts';
import { acquireOrRelease, type LockOptions } from '../../lock.ts';
import { STATE_COLUMNS } from '../../state-row.ts';
import { Store } from '../../store.ts';
import {
  ansiConcat,
  onConflictStateRowUpsert,
  quoteIdentifier,
  quoteLiteral,
  type DdlGuard,
  type Dialect,
  type HeldLock,
  type Tables,
  type UnitOptions,
} from '../dialect.ts';
import { openLockSession, type PgLockPool } from './lock-session.ts';
import { NativeRead } from './native-read.ts';
import { releaseDeadClients } from './pool-repair.ts';
import { isCreateRace, Placement, type Location } from './placement.ts';
import { PostgreSqlSessionLock } from './session-lock.ts';
import { ensureRegistry, readRegistry, registryIn, writeRegistryRow, type Registry } from './tenant-registry.ts';
import { PostgreSqlXactLock } from './xact-lock.ts';

export interface PostgreSqlOptions {
  /** 'session' (default) or 'transaction' (PgBouncer transaction pooling; see xact-lock.ts). */
  lockScope: 'session' | 'transaction';
  /** Set with SET LOCAL at the start of every unit's transaction (tenants). */
  searchPath?: readonly string[] | undefined;
  /** Tenants: the registry of all tenants' digests (tenant-registry.ts), kept beside the state row. */
  registry?: Registry | undefined;
}

export class PostgreSqlDialect implements Dialect {
  readonly name = 'postgresql' as const;
  readonly runsOutsideTransactions = true;
  readonly quote = quoteIdentifier;
  readonly concat = ansiConcat;
  readonly #db: Database;
  readonly #placement: Placement;
  readonly #native: NativeRead;
  readonly #lockScope: 'session' | 'transaction';
  readonly #searchPath: readonly string[] | undefined;
  readonly #registry: Registry | undefined;
  /** The boot read's SQL, per digest column, once its names are settled. */
  readonly #bootSql = new Map<string, string>();

  constructor(db: Database, table: { name: string; schema: string | undefined }, options: PostgreSqlOptions) {
    this.#db = db;
    this.#placement = new Placement(db, table);
    // Named statements are unsafe behind a transaction-pooling proxy.
    this.#native = new NativeRead(db, options.lockScope === 'session');
    db.recoverWith(async () => {
      releaseDeadClients(await this.#native.pool());
    });
    this.#lockScope = options.lockScope;
    this.#searchPath = options.searchPath;
    this.#registry = options.registry;
  }

  ddlGuard(logger: Logger): DdlGuard {
    return new PostgreSqlDdlGuard(this.#db, logger);
  }

  async locate(): Promise<Tables> {
    return (await this.#placement.locate()).tables;
  }

  /**
   * With the schema known (the `schema` option), the read names its tables in it and may go
   * straight to the pool. Without, it names them as the app's queries would: on MikroORM's own
   * connection when the app has connection hooks (a raw pool connection may never have run
   * them), and it vouches for a state row only in the schema the connection's search_path puts
   * first, which is where upshift creates its tables (a state table found further down the path
   * belongs to someone else). Either way it returns the database it read, and a row from another
   * database than the configured one is no answer: the full path checks and recovers.
   */
  async readStateDigest(kind: 'keys' | 'ids'): Promise<string | undefined> {
    const schema = this.#placement.knownSchema;
    const sql = this.#bootSql.get(kind) ?? this.#bootSqlFor(kind, schema);
    let row: Row | undefined;
    try {
      row =
        schema !== undefined || !this.#db.hasConnectionHooks()
          ? await this.#native.read(sql)
          : (await this.#db.query(sql))[0];
    } catch (error) {
      if (this.isMissingTable(error)) return undefined;
      if (!isCreateRace(error)) throw error;
      await this.#placement.recover();
      return undefined;
    }
    if (!row || (this.#placement.intended !== undefined && row.database !== this.#placement.intended)) return undefined;
    return row.digest as string;
  }

  #bootSqlFor(kind: 'keys' | 'ids', schema: string | undefined): string {
    const { table, stateTable } = this.#placement.tablesIn(schema);
    const select = `select "${STATE_COLUMNS[kind]}" as "digest", current_database() as "database" from ${stateTable}`;
    const inFirstSchema = (quoted: string) =>
      `to_regclass(quote_ident(current_schema()) || '.' || ${quoteLiteral(quoted)})`;
    const sql =
      schema !== undefined
        ? `${select} where to_regclass(${quoteLiteral(table)}) is not null`
        : `${select} where tableoid = ${inFirstSchema(stateTable)} and ${inFirstSchema(table)} is not null`;
    this.#bootSql.set(kind, sql);
    return sql;
  }

  async readStateDigests(
    registry: Registry,
    schemas: readonly string[],
    kind: 'keys' | 'ids',
  ): Promise<Map<string, string>> {
    await this.#placement.connect();
    return readRegistry(this.#db, registry, schemas, kind, this.#placement.intended);
  }

  async tenantRegistry(create: boolean): Promise<Registry> {
    const { schema } = await this.#placement.locate();
    const registry = registryIn(schema, this.#placement.tableName);
    if (create) await ensureRegistry(this.#db, registry);
    return registry;
  }

  async writeRegistryRow(trx: Transaction, digests: { keys: string; ids: string }): Promise<void> {
    if (!this.#registry) return;
    const location = await this.#placement.locate();
    await writeRegistryRow(this.#db, trx, this.#registry, location.schema, location.tables.table, digests);
  }

  readRow(sql: string): Promise<Row | undefined> {
    return this.#native.read(sql);
  }

  isMissingTable(error: unknown): boolean {
    // 42P01 undefined_table; 3F000 invalid_schema_name (the schema option names one not made yet).
    const code = (error as { code?: unknown } | null)?.code;
    return code === '42P01' || code === '3F000';
  }

  isMissingColumn(error: unknown): boolean {
    return (error as { code?: unknown } | null)?.code === '42703'; // undefined_column
  }

  stateRowUpsert(stateTable: string): string {
    return onConflictStateRowUpsert(stateTable, STATE_COLUMNS);
  }

  joinedList(expression: string): string {
    return `string_agg(${expression}, ',')`;
  }

  async whileNoOneWrites<T>(work: (trx: Transaction) => Promise<T>): Promise<T | undefined | 'missing'> {
    const { tables } = await this.#placement.locate();
    const trx = await this.#db.begin();
    try {
      // SHARE conflicts with the ROW EXCLUSIVE lock of every insert, update and delete: until
      // this commits nobody writes the table, and NOWAIT returns at once if somebody is writing.
      await this.#db.run(`lock table ${tables.table} in share mode nowait`, [], trx);
    } catch (error) {
      await this.#db.rollback(trx);
      if (this.isMissingTable(error)) return 'missing';
      if ((error as { code?: unknown } | null)?.code === '55P03') return undefined;
      throw error;
    }
    return this.#db.transaction(work, async () => trx);
  }

  runAlone<T>(work: (trx: Transaction | undefined) => Promise<T>, options: UnitOptions = {}): Promise<T> {
    return options.transaction === false ? work(undefined) : this.#db.transaction(work);
  }

  async acquire<W>(options: LockOptions<W>): Promise<{ lock: HeldLock } | { abandoned: W }> {
    const location = await this.#placement.locate();
    const parts = {
      db: this.#db,
      store: new Store(this.#db, this, location.tables),
      location,
      native: this.#native,
      searchPath: this.#searchPath,
      registry: this.#registry,
    };
    if (this.#lockScope === 'transaction')
      return { lock: new PostgreSqlXactLock(lockKey(location, this.#placement), options, parts) };
    const pool = await this.#native.pool();
    if (!pool) {
      throw new ConfigurationError(
        'upshift: lock.scope "session" takes a connection of its own from the pg Pool MikroORM makes, but this ORM was given a Kysely instance or dialect in driverOptions. ' +
          'Use lock: { scope: "transaction" }, or let MikroORM make its pool.',
      );
    }
    const session = await openLockSession(pool as PgLockPool, this.#db.connectionWaitMs);
    const lock = new PostgreSqlSessionLock(session, lockKey(location, this.#placement), parts);
    return acquireOrRelease(lock, options);
  }
}

/**
 * Derived from database, schema and table (the README documents it): two apps sharing a server
 * do not block each other, and every instance of one app computes the same key.
 */
function lockKey(location: Location, placement: Placement): bigint {
  return sha256Int64(`upshift:${location.database}:${location.schema}:${placement.tableName}`);
}
