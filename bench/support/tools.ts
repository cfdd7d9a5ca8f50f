/**
 * The same work for every tool: revision i creates one small table and inserts one row (and,
 * with `sideEffects`, logs itself into applied_log, so a double application shows as two rows).
 * Each tool is configured the way its documentation suggests for a MikroORM / kysely / knex app,
 * with its own defaults for transactions, and runs exactly these statements per revision.
 */
import pg from 'pg';
import { pino, type Logger } from 'pino';
import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import type { Kysely as KyselyType } from 'kysely';

type KyselyDb = KyselyType<unknown>;
import { Migrator, defineRevision, type Revision } from 'upshift';
import { openOrm, type DialectName } from './db.ts';

export interface WorkSpec {
  /** How many revisions. */
  n: number;
  /** Each revision also inserts a row into applied_log (created by the first one). */
  sideEffects?: boolean;
}

export const pad = (i: number) => String(i).padStart(5, '0');
export const revisionName = (i: number) => `r${pad(i)}`;

/** The statements of revision i (1-based): identical for every tool (backticks on MariaDB). */
export function revisionSql(i: number, spec: WorkSpec, dialect: DialectName = 'postgresql'): string[] {
  const q = (name: string) => (dialect === 'mariadb' ? `\`${name}\`` : `"${name}"`);
  const table = q(`bench_${pad(i)}`);
  const sql = [
    `create table ${table} (${q('id')} integer primary key, ${q('label')} varchar(50) not null)`,
    `insert into ${table} (${q('id')}, ${q('label')}) values (1, '${revisionName(i)}')`,
  ];
  if (spec.sideEffects) {
    if (i === 1) sql.unshift(`create table ${q('applied_log')} (${q('revision')} varchar(64) not null)`);
    sql.push(`insert into ${q('applied_log')} (${q('revision')}) values ('${revisionName(i)}')`);
  }
  return sql;
}

export function upshiftRevisions(spec: WorkSpec, dialect: DialectName = 'postgresql'): Revision[] {
  const list: Revision[] = [];
  for (let i = 1; i <= spec.n; i++) {
    const statements = revisionSql(i, spec, dialect);
    list.push(
      defineRevision({
        id: revisionName(i),
        parents: i === 1 ? [] : [revisionName(i - 1)],
        message: `create bench_${pad(i)}`,
        createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
        async up({ sql }) {
          for (const s of statements) await sql(s);
        },
        async down({ sql }) {
          await sql(`drop table bench_${pad(i)}`);
        },
      }),
    );
  }
  return list;
}

/** Where log lines go during a bench: a real pino logger at info, written to /dev/null. */
export function benchLogger(): Logger {
  return pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true }));
}

export type ToolName =
  | 'upshift'
  | 'upshift-all'
  | 'mikro-orm'
  | 'kysely'
  | 'kysely-in-app'
  | 'knex'
  | 'umzug'
  | 'bare'
  | 'bare-one';

export const ALTERNATIVES = ['mikro-orm', 'kysely', 'knex', 'umzug'] as const satisfies readonly ToolName[];
export type Alternative = (typeof ALTERNATIVES)[number];

/** How a tool wraps a run of pending migrations in transactions. */
export type Layout = 'one' | 'each' | 'none';
export const LAYOUT_LABEL: Record<Layout, string> = {
  one: 'one transaction',
  each: 'a transaction each',
  none: 'no transaction',
};

/**
 * How each alternative runs its pending migrations by default, read from its source:
 * @mikro-orm/migrations `allOrNothing: true`; kysely's Migrator wraps the run in a transaction
 * when the adapter `supportsTransactionalDdl` (PostgreSQL yes, SQLite no); knex `transactionForAll`
 * unless disabled; the plain umzug setup here gives each migration its own transaction.
 */
export const LAYOUT: Record<DialectName, Record<Alternative, Layout>> = {
  postgresql: { 'mikro-orm': 'one', kysely: 'one', knex: 'one', umzug: 'each' },
  sqlite: { 'mikro-orm': 'one', kysely: 'none', knex: 'one', umzug: 'each' },
  // MariaDB commits each DDL statement: "one transaction" is nominal there, and upshift has only 'each'.
  mariadb: { 'mikro-orm': 'one', kysely: 'none', knex: 'one', umzug: 'each' },
};

/** The alternatives benchmarked on each database (MariaDB: MikroORM's own migrator and knex). */
export function alternativesOn(dialect: DialectName): readonly Alternative[] {
  return dialect === 'mariadb' ? ['mikro-orm', 'knex'] : ALTERNATIVES;
}

/**
 * upshift configured in an alternative's layout, so that a comparison is like for like: one
 * transaction is `transaction: 'all'`; a transaction each is the default, and so is "no
 * transaction", the nearest layout upshift has.
 */
export function upshiftIn(layout: Layout): 'upshift' | 'upshift-all' {
  return layout === 'one' ? 'upshift-all' : 'upshift';
}

export const TOOL_LABEL: Record<ToolName, string> = {
  upshift: 'upshift',
  'upshift-all': 'upshift (transaction: "all")',
  'mikro-orm': '@mikro-orm/migrations',
  kysely: 'kysely Migrator',
  'kysely-in-app': 'kysely Migrator in the MikroORM app',
  knex: 'knex migrations',
  umzug: 'umzug (plain)',
  bare: 'bare driver, a transaction per revision',
  'bare-one': 'bare driver, one transaction',
};

export interface ToolHandle {
  /**
   * Opens the tool's first connection, as an app's would be by the time it migrates. The bare
   * driver's handle is connected from the start; MikroORM, kysely and knex connect on their first
   * query (MikroORM also checks then that the database exists).
   */
  connect(): Promise<void>;
  /** Brings the database to the last revision. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** connect() for a tool on MikroORM: one query opens the pool's first connection. */
function connectOrm(orm: MikroORM): () => Promise<void> {
  return async () => void (await orm.em.getConnection().execute('select 1'));
}

export interface OpenOptions {
  /** Called once per SQL statement the tool sends. */
  onStatement?: (sql: string) => void;
}

export async function openTool(
  tool: ToolName,
  dialect: DialectName,
  location: string,
  spec: WorkSpec,
  options: OpenOptions = {},
): Promise<ToolHandle> {
  switch (tool) {
    case 'upshift':
    case 'upshift-all':
      return openUpshift(dialect, location, spec, options, tool === 'upshift-all' ? 'all' : 'each');
    case 'mikro-orm':
      return openMikroOrm(dialect, location, spec, options);
    case 'kysely':
      return openKysely(dialect, location, spec, options);
    case 'kysely-in-app':
      return openKyselyInApp(dialect, location, spec, options);
    case 'knex':
      return openKnex(dialect, location, spec, options);
    case 'umzug':
      return openUmzug(dialect, location, spec, options);
    case 'bare':
    case 'bare-one':
      return openBare(dialect, location, spec, tool === 'bare-one');
  }
}

function ormQueryHook(options: OpenOptions) {
  const on = options.onStatement;
  // MikroORM's query logger: one message per statement sent.
  return on ? { onQuery: (message: string) => on(message) } : {};
}

async function openUpshift(
  dialect: DialectName,
  location: string,
  spec: WorkSpec,
  options: OpenOptions,
  transaction: 'each' | 'all',
): Promise<ToolHandle> {
  const orm = await openOrm(dialect, location, ormQueryHook(options));
  const migrator = new Migrator({
    orm,
    revisions: upshiftRevisions(spec, dialect),
    logger: benchLogger(),
    transaction,
  });
  return {
    connect: connectOrm(orm),
    migrate: async () => void (await migrator.upgrade()),
    close: () => orm.close(true),
  };
}

async function openMikroOrm(
  dialect: DialectName,
  location: string,
  spec: WorkSpec,
  options: OpenOptions,
): Promise<ToolHandle> {
  const { Migrator: OrmMigrator, Migration } = await import('@mikro-orm/migrations');
  const migrationsList = [];
  for (let i = 1; i <= spec.n; i++) {
    const statements = revisionSql(i, spec, dialect);
    const name = `Migration${pad(i)}`;
    migrationsList.push({
      name,
      class: class extends Migration {
        override up(): void {
          for (const s of statements) this.addSql(s);
        }
      },
    });
  }
  const orm: MikroORM = await openOrm(dialect, location, {
    ...ormQueryHook(options),
    extra: {
      extensions: [OrmMigrator],
      // snapshot: false — a production boot has no use for the schema snapshot file, and writing
      // one means introspecting the whole schema after each run; leaving it on would be unfair.
      migrations: { migrationsList, snapshot: false, silent: true },
    },
  });
  return {
    connect: connectOrm(orm),
    migrate: async () => void (await orm.migrator.up()),
    close: () => orm.close(true),
  };
}

async function openKysely(
  dialect: DialectName,
  location: string,
  spec: WorkSpec,
  options: OpenOptions,
): Promise<ToolHandle> {
  if (dialect === 'mariadb') throw new Error('kysely is not benchmarked on MariaDB');
  const { Kysely, PostgresDialect, SqliteDialect } = await import('kysely');
  const kdialect =
    dialect === 'postgresql'
      ? new PostgresDialect({ pool: new pg.Pool({ connectionString: location }) })
      : new SqliteDialect({ database: new (await import('better-sqlite3')).default(location) });
  const on = options.onStatement;
  const db: KyselyDb = new Kysely<unknown>({
    dialect: kdialect,
    ...(on
      ? {
          log: (e) => {
            if (e.level === 'query') on(e.query.sql);
          },
        }
      : {}),
  });
  return kyselyMigrating(db, spec, () => db.destroy());
}

/**
 * kysely's Migrator as a MikroORM 7 app would run it: on the Kysely instance MikroORM itself
 * provides (`em.getKysely()`), sharing the ORM's connection pool, closed with the ORM. The same
 * process as upshift's, but for the migration tool: what a whole-process comparison needs.
 */
async function openKyselyInApp(
  dialect: DialectName,
  location: string,
  spec: WorkSpec,
  options: OpenOptions,
): Promise<ToolHandle> {
  const orm = await openOrm(dialect, location, ormQueryHook(options));
  const em = orm.em as unknown as { getKysely(): KyselyDb };
  return kyselyMigrating(em.getKysely(), spec, () => orm.close(true), connectOrm(orm));
}

async function kyselyMigrating(
  db: KyselyDb,
  spec: WorkSpec,
  close: () => Promise<void>,
  connect?: () => Promise<void>,
): Promise<ToolHandle> {
  const { sql } = await import('kysely');
  const { Migrator: KyMigrator } = await import('kysely/migration');
  const migrations: Record<string, { up: (db: KyselyDb) => Promise<void> }> = {};
  for (let i = 1; i <= spec.n; i++) {
    const statements = revisionSql(i, spec);
    migrations[revisionName(i)] = {
      async up(k) {
        for (const s of statements) await sql.raw(s).execute(k);
      },
    };
  }
  const migrator = new KyMigrator({ db, provider: { getMigrations: async () => migrations } });
  return {
    connect: connect ?? (async () => void (await sql`select 1`.execute(db))),
    async migrate() {
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
    },
    close,
  };
}

async function openKnex(
  dialect: DialectName,
  location: string,
  spec: WorkSpec,
  options: OpenOptions,
): Promise<ToolHandle> {
  const { default: knexFactory } = (await import('knex')) as unknown as { default: typeof import('knex').knex };
  const knex =
    dialect === 'postgresql'
      ? knexFactory({ client: 'pg', connection: location })
      : dialect === 'mariadb'
        ? knexFactory({ client: 'mysql2', connection: location })
        : knexFactory({ client: 'better-sqlite3', connection: { filename: location }, useNullAsDefault: true });
  const on = options.onStatement;
  if (on) knex.on('query', (q: { sql: string }) => on(q.sql));
  const names = Array.from({ length: spec.n }, (_, k) => revisionName(k + 1));
  const migrationSource = {
    getMigrations: async () => names,
    getMigrationName: (name: string) => name,
    getMigration: async (name: string) => {
      const statements = revisionSql(Number(name.slice(1)), spec, dialect);
      return {
        async up(k: typeof knex) {
          for (const s of statements) await k.raw(s);
        },
        async down() {},
      };
    },
  };
  return {
    connect: async () => void (await knex.raw('select 1')),
    migrate: async () => void (await knex.migrate.latest({ migrationSource })),
    close: () => knex.destroy(),
  };
}

/**
 * Plain umzug on the app's MikroORM connection: a storage table with a primary key, each
 * migration in its own transaction, logMigration after it (umzug's two separate steps).
 */
async function openUmzug(
  dialect: DialectName,
  location: string,
  spec: WorkSpec,
  options: OpenOptions,
): Promise<ToolHandle> {
  if (dialect === 'mariadb') throw new Error('plain umzug is not benchmarked on MariaDB');
  const { Umzug } = await import('umzug');
  const orm = await openOrm(dialect, location, ormQueryHook(options));
  const conn = orm.em.getConnection() as unknown as AbstractSqlConnection;
  const umzug = new Umzug({
    migrations: Array.from({ length: spec.n }, (_, k) => {
      const statements = revisionSql(k + 1, spec);
      return {
        name: revisionName(k + 1),
        up: () =>
          conn.transactional(async (trx) => {
            for (const s of statements) await conn.execute(s, [], 'run', trx);
          }),
      };
    }),
    context: {},
    storage: {
      async executed() {
        await conn.execute('create table if not exists "umzug_migrations" ("name" varchar(255) primary key)');
        const rows = (await conn.execute('select "name" from "umzug_migrations"')) as { name: string }[];
        return rows.map((r) => r.name);
      },
      async logMigration({ name }) {
        await conn.execute('insert into "umzug_migrations" ("name") values (?)', [name]);
      },
      async unlogMigration({ name }) {
        await conn.execute('delete from "umzug_migrations" where "name" = ?', [name]);
      },
    },
    logger: undefined,
  });
  return {
    connect: connectOrm(orm),
    migrate: async () => void (await umzug.up()),
    close: () => orm.close(true),
  };
}

/** The physical limit: the same statements on the bare driver, no bookkeeping at all. */
async function openBare(
  dialect: DialectName,
  location: string,
  spec: WorkSpec,
  oneTransaction: boolean,
): Promise<ToolHandle> {
  const units: string[][] = [];
  for (let i = 1; i <= spec.n; i++) {
    if (oneTransaction && units.length > 0) units[0]!.push(...revisionSql(i, spec, dialect));
    else units.push(revisionSql(i, spec, dialect));
  }
  if (dialect === 'mariadb') {
    const { default: mysql } = await import('mysql2/promise');
    const connection = await mysql.createConnection({ uri: location });
    return {
      connect: async () => undefined, // connected above
      async migrate() {
        for (const unit of units) {
          await connection.query('begin');
          for (const s of unit) await connection.query(s);
          await connection.query('commit');
        }
      },
      close: () => connection.end(),
    };
  }
  if (dialect === 'postgresql') {
    const client = new pg.Client({ connectionString: location });
    await client.connect();
    return {
      connect: async () => undefined, // connected above
      async migrate() {
        for (const unit of units) {
          await client.query('begin');
          for (const s of unit) await client.query(s);
          await client.query('commit');
        }
      },
      close: () => client.end(),
    };
  }
  const { default: Sqlite } = await import('better-sqlite3');
  const conn = new Sqlite(location);
  return {
    connect: async () => undefined, // opened above
    async migrate() {
      for (const unit of units) {
        conn.exec('begin');
        for (const s of unit) conn.prepare(s).run();
        conn.exec('commit');
      }
    },
    close: async () => void conn.close(),
  };
}
