/**
 * Real databases for the bench: a fresh PostgreSQL or MariaDB database (unique name, dropped
 * afterwards) or a fresh SQLite file in a temp folder. Every bench database is created here and dropped here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { MikroORM } from '@mikro-orm/core';

export type DialectName = 'postgresql' | 'sqlite' | 'mariadb';
/** What a full run covers; MariaDB runs with --db=mariadb (bench/mariadb.ts). */
export const DIALECTS: readonly DialectName[] = ['postgresql', 'sqlite'];
export const MARIADB_ADMIN_URL = process.env.UPSHIFT_BENCH_MARIADB ?? 'mysql://root@127.0.0.1:3306/mysql';
export const PG_ADMIN_URL = process.env.UPSHIFT_BENCH_PG ?? 'postgresql://postgres@127.0.0.1:5432/test';

export interface BenchDb {
  dialect: DialectName;
  /** A PostgreSQL URL or a SQLite file path: what a child process needs to open it. */
  location: string;
  drop(): Promise<void>;
}

const live = new Set<BenchDb>();

export async function createDb(dialect: DialectName, label = 'b'): Promise<BenchDb> {
  const db =
    dialect === 'postgresql'
      ? await createPostgres(label)
      : dialect === 'mariadb'
        ? await createMariadb(label)
        : createSqlite(label);
  live.add(db);
  return db;
}

/** Drops whatever a crashed scenario left behind. */
export async function dropAll(): Promise<void> {
  for (const db of [...live]) await db.drop().catch(() => undefined);
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function createPostgres(label: string): Promise<BenchDb> {
  const name = `upshift_bench_${label}_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`create database "${name}"`));
  const db: BenchDb = {
    dialect: 'postgresql',
    location: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`),
    async drop() {
      live.delete(db);
      await admin((c) => c.query(`drop database if exists "${name}" with (force)`));
    },
  };
  return db;
}

async function mariadbAdmin<T>(work: (c: import('mysql2/promise').Connection) => Promise<T>): Promise<T> {
  const { default: mysql } = await import('mysql2/promise');
  const connection = await mysql.createConnection({ uri: MARIADB_ADMIN_URL });
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

async function createMariadb(label: string): Promise<BenchDb> {
  const name = `upshift_bench_${label}_${randomBytes(5).toString('hex')}`;
  await mariadbAdmin((c) => c.query(`create database \`${name}\``));
  const db: BenchDb = {
    dialect: 'mariadb',
    location: MARIADB_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`),
    async drop() {
      live.delete(db);
      await mariadbAdmin((c) => c.query(`drop database if exists \`${name}\``));
    },
  };
  return db;
}

function createSqlite(label: string): BenchDb {
  const dir = mkdtempSync(join(tmpdir(), `upshift-bench-${label}-`));
  const db: BenchDb = {
    dialect: 'sqlite',
    location: join(dir, 'app.db'),
    async drop() {
      live.delete(db);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return db;
}

export interface OrmOptions {
  entities?: unknown[];
  /** Called with each SQL statement MikroORM sends (its query logger), to count them. */
  onQuery?: (message: string) => void;
  extra?: Record<string, unknown>;
}

/** Opens MikroORM 7 on a bench database, the way an app does at startup. */
export async function openOrm(dialect: DialectName, location: string, options: OrmOptions = {}): Promise<MikroORM> {
  const config: Record<string, unknown> = {
    entities: options.entities ?? [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
    ...(options.onQuery ? { debug: ['query'], logger: options.onQuery, colors: false } : {}),
    ...options.extra,
  };
  if (dialect === 'postgresql') {
    const { MikroORM } = await import('@mikro-orm/postgresql');
    return (await MikroORM.init({ clientUrl: location, ...config } as never)) as unknown as MikroORM;
  }
  if (dialect === 'mariadb') {
    const { MikroORM } = await import('@mikro-orm/mariadb');
    return (await MikroORM.init({ clientUrl: location, ...config } as never)) as unknown as MikroORM;
  }
  const { MikroORM } = await import('@mikro-orm/sqlite');
  return (await MikroORM.init({ dbName: location, ...config } as never)) as unknown as MikroORM;
}

/**
 * Lets the server settle before a timed trial: on PostgreSQL a CHECKPOINT, so that the writing
 * left over from earlier trials (dropped databases, the new database's copy of its template) is
 * done before the clock starts instead of landing, by chance, in the middle of some tool's run.
 */
export async function settle(dialect: DialectName): Promise<void> {
  if (dialect === 'postgresql') await admin((c) => c.query('checkpoint'));
}

/** Runs SQL on a connection of its own (not a tool's): for verifying what a run left behind. */
export async function inspect<T = Record<string, unknown>>(
  dialect: DialectName,
  location: string,
  sql: string,
): Promise<T[]> {
  if (dialect === 'postgresql') {
    const client = new pg.Client({ connectionString: location });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }
  if (dialect === 'mariadb') {
    const { default: mysql } = await import('mysql2/promise');
    const connection = await mysql.createConnection({ uri: location });
    try {
      // The bench's SQL quotes identifiers the standard way, as on the other databases.
      await connection.query("set session sql_mode = concat(@@sql_mode, ',ANSI_QUOTES')");
      const [rows] = await connection.query(sql);
      return rows as T[];
    } finally {
      await connection.end();
    }
  }
  const { default: Sqlite } = await import('better-sqlite3');
  const conn = new Sqlite(location, { readonly: true });
  try {
    return conn.prepare(sql).all() as T[];
  } finally {
    conn.close();
  }
}
