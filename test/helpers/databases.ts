/**
 * Real databases for tests: a fresh PostgreSQL or MariaDB database (unique name, dropped
 * afterwards) or a fresh SQLite file in a temp folder. When CI=true an unreachable PostgreSQL or
 * MariaDB fails the run; on a developer's machine without it, that half of each test is skipped
 * with a notice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { MikroORM } from '@mikro-orm/core';

export type DialectName = 'postgresql' | 'sqlite';
/** Every database; suites written for PostgreSQL and SQLite alone keep DialectName. */
export type AnyDialectName = DialectName | 'mariadb';
export const PG_ADMIN_URL = process.env.UPSHIFT_TEST_PG ?? 'postgresql://postgres@127.0.0.1:5432/test';

export interface TestDatabase<D extends AnyDialectName = DialectName> {
  dialect: D;
  /** What a child process needs to open the same database: a URL or a file path. */
  location: string;
  orm(entities?: unknown[], extra?: Record<string, unknown>): Promise<MikroORM>;
  /** Runs SQL on a connection of its own (not upshift's), returning rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

let pgReachable: Promise<boolean> | undefined;

export function postgresAvailable(): Promise<boolean> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch (error) {
      if (process.env.CI === 'true')
        throw new Error(`PostgreSQL is unreachable at ${PG_ADMIN_URL} and CI=true: ${String(error)}`);
      return false;
    }
  })();
  return pgReachable;
}

export const MARIADB_ADMIN_URL = process.env.UPSHIFT_TEST_MARIADB ?? 'mysql://root@127.0.0.1:3306/mysql';

let mariadbReachable: Promise<boolean> | undefined;

export function mariadbAvailable(): Promise<boolean> {
  mariadbReachable ??= (async () => {
    try {
      const { default: mysql } = await import('mysql2/promise');
      const connection = await mysql.createConnection({ uri: MARIADB_ADMIN_URL, connectTimeout: 3000 });
      await connection.end();
      return true;
    } catch (error) {
      if (process.env.CI === 'true')
        throw new Error(`MariaDB is unreachable at ${MARIADB_ADMIN_URL} and CI=true: ${String(error)}`);
      return false;
    }
  })();
  return mariadbReachable;
}

export async function openOrm(
  dialect: AnyDialectName,
  location: string,
  entities: unknown[] = [],
  extra: Record<string, unknown> = {},
): Promise<MikroORM> {
  const common = { entities, discovery: { warnWhenNoEntities: false }, allowGlobalContext: true, ...extra };
  if (dialect === 'postgresql') {
    const { MikroORM } = await import('@mikro-orm/postgresql');
    return (await MikroORM.init({ clientUrl: location, ...common } as never)) as unknown as MikroORM;
  }
  if (dialect === 'mariadb') {
    const { MikroORM } = await import('@mikro-orm/mariadb');
    return (await MikroORM.init({ clientUrl: location, ...common } as never)) as unknown as MikroORM;
  }
  const { MikroORM } = await import('@mikro-orm/sqlite');
  return (await MikroORM.init({ dbName: location, ...common } as never)) as unknown as MikroORM;
}

export async function createDatabase(dialect: 'mariadb'): Promise<TestDatabase<'mariadb'>>;
export async function createDatabase(dialect: DialectName): Promise<TestDatabase>;
export async function createDatabase(dialect: AnyDialectName): Promise<TestDatabase<AnyDialectName>>;
export async function createDatabase(dialect: AnyDialectName): Promise<TestDatabase<AnyDialectName>> {
  if (dialect === 'mariadb') return createMariadb();
  return dialect === 'postgresql' ? createPostgres() : createSqlite();
}

/** The ORMs a test opened on its database, closed before the database is dropped. */
function ormsOn(dialect: AnyDialectName, location: string) {
  const opened: MikroORM[] = [];
  return {
    async open(entities?: unknown[], extra?: Record<string, unknown>): Promise<MikroORM> {
      const orm = await openOrm(dialect, location, entities, extra);
      opened.push(orm);
      return orm;
    },
    async closeAll(): Promise<void> {
      for (const orm of opened) await orm.close(true).catch(() => undefined);
    },
  };
}

async function createPostgres(): Promise<TestDatabase> {
  const name = `upshift_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  const own = new pg.Client({ connectionString: url });
  await own.connect();
  const orms = ormsOn('postgresql', url);
  return {
    dialect: 'postgresql',
    location: url,
    orm: orms.open,
    async query(sql, params) {
      return (await own.query(sql, params)).rows;
    },
    async drop() {
      await orms.closeAll();
      await own.end().catch(() => undefined);
      const admin2 = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin2.connect();
      await admin2.query(`drop database if exists "${name}" with (force)`);
      await admin2.end();
    },
  };
}

async function createSqlite(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'upshift-test-'));
  const file = join(dir, 'app.db');
  const { default: Sqlite } = await import('better-sqlite3');
  const own = new Sqlite(file);
  const orms = ormsOn('sqlite', file);
  return {
    dialect: 'sqlite',
    location: file,
    orm: orms.open,
    async query(sql, params = []) {
      const stmt = own.prepare(sql);
      if (stmt.reader) return stmt.all(...params) as never;
      stmt.run(...params);
      return [] as never;
    },
    async drop() {
      await orms.closeAll();
      own.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createMariadb(): Promise<TestDatabase<'mariadb'>> {
  const { default: mysql } = await import('mysql2/promise');
  const name = `upshift_t_${randomBytes(6).toString('hex')}`;
  const admin = await mysql.createConnection({ uri: MARIADB_ADMIN_URL });
  await admin.query(`create database \`${name}\``);
  await admin.end();
  const url = MARIADB_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  const own = await mysql.createConnection({ uri: url });
  // The tests' own SQL quotes identifiers the standard way ("name"), as on the other databases.
  await own.query("set session sql_mode = concat(@@sql_mode, ',ANSI_QUOTES')");
  const orms = ormsOn('mariadb', url);
  return {
    dialect: 'mariadb',
    location: url,
    orm: orms.open,
    async query(sql, params) {
      const [rows] = await own.query(sql, params);
      return (Array.isArray(rows) ? rows : []) as never;
    },
    async drop() {
      await orms.closeAll();
      await own.end().catch(() => undefined);
      const admin2 = await mysql.createConnection({ uri: MARIADB_ADMIN_URL });
      await admin2.query(`drop database if exists \`${name}\``);
      await admin2.end();
    },
  };
}
