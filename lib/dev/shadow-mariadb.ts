import type { MikroORM } from '@mikro-orm/core';
import { errnoOf } from '../dialect/mariadb/dialect.ts';
import { quoteMysqlIdentifier } from '../dialect/mariadb/ddl.ts';
import type { MysqlPool } from '../dialect/mariadb/get-lock.ts';
import { ShadowDatabaseError, ShadowDatabaseRefusedError } from './errors.ts';
import { SHADOW_MARKER_TABLE, type Sql, sqlOf } from './shadow-url.ts';

/**
 * The shadow database on MariaDB/MySQL. A database there is a schema: CREATE DATABASE and DROP
 * DATABASE are server-wide statements that run on any connection, so the app's own connection
 * sends them and never uses its own database for anything else. With shadowDatabaseUrl (a
 * database someone else created, for roles that may not create one) the database is emptied
 * before and after use, as on PostgreSQL, and refused when it could be anyone's data.
 */

/** MySQL/MariaDB errors that mean "this role may not": ER_DBACCESS_DENIED, ER_ACCESS_DENIED, ER_SPECIFIC_ACCESS_DENIED. */
const DENIED = new Set([1044, 1045, 1227]);

/** Creates the database `name` on the app's server; ShadowDatabaseError says how to allow it when refused. */
export async function createMariadbShadow(appOrm: MikroORM, name: string): Promise<void> {
  try {
    await sqlOf(appOrm).execute(`create database ${quoteMysqlIdentifier(name)}`);
  } catch (error) {
    const denied = DENIED.has(errnoOf(error) ?? 0);
    throw new ShadowDatabaseError(
      denied
        ? `the MariaDB/MySQL user may not CREATE DATABASE (${(error as Error).message}). upshift/dev never builds the shadow inside the app's database; ` +
            "grant it on the shadow databases only (GRANT ALL ON `upshift\\_shadow\\_%`.* TO '<user>'@'<host>'), or pass shadowDatabaseUrl: a database of its own that upshift/dev may empty."
        : `cannot create the shadow database ${name} on the app's MariaDB/MySQL server: ${(error as Error).message}`,
      error,
    );
  }
}

/** Drops the database `name`; a database that is already gone is fine. */
export async function dropMariadbShadow(appOrm: MikroORM, name: string): Promise<void> {
  await sqlOf(appOrm).execute(`drop database if exists ${quoteMysqlIdentifier(name)}`);
}

/**
 * Throws unless the shadow ORM's connections are on the shadow database. The app's configuration
 * is lent to the shadow, connection hooks included, and a hook that runs USE would otherwise have
 * the generated SQL replayed in the database it names.
 */
export async function refuseMovedMariadbShadow(shadowOrm: MikroORM, name: string): Promise<void> {
  const [row] = await sqlOf(shadowOrm).execute('select database() as db');
  if (row?.db !== name)
    throw new ShadowDatabaseError(
      `the shadow database's connections are on database ${JSON.stringify(row?.db ?? null)} instead of ${name}: the ORM's configuration (an onCreateConnection hook that runs USE?) moves them. ` +
        'upshift/dev replays SQL only in the shadow: make the hook leave the database alone, or pass revision()/check() an ORM without it.',
    );
}

/** Who a connection is: its database on its server. */
async function identity(sql: Sql): Promise<{ key: string; id: number }> {
  const [row] = await sql.execute(
    'select database() as db, @@hostname as host, @@port as port, @@server_id as server, connection_id() as id',
  );
  return { key: `${row!.db}|${row!.host}|${row!.port}|${row!.server}`, id: Number(row!.id) };
}

/**
 * Refuses the shadow when it is the app's database (same database on the same server), or when
 * it holds an upshift version table with rows and no shadow marker.
 */
export async function refuseUnsafeMariadbShadow(appOrm: MikroORM, shadowOrm: MikroORM, url: string): Promise<void> {
  const [app, shadow] = [sqlOf(appOrm), sqlOf(shadowOrm)];
  if ((await identity(app)).key === (await identity(shadow)).key)
    throw new ShadowDatabaseRefusedError(url, "it is the app's own database");
  const tables = await shadow.execute(
    'select table_name as name from information_schema.columns where table_schema = database() ' +
      "and column_name in ('parents', 'checksum', 'applied_by', 'duration_ms') group by table_name having count(*) = 4",
  );
  if (tables.length === 0) return;
  const [marker] = await shadow.execute(
    'select count(*) as n from information_schema.tables where table_schema = database() and table_name = ?',
    [SHADOW_MARKER_TABLE],
  );
  if (Number(marker?.n) > 0) return;
  for (const { name } of tables) {
    const [count] = await shadow.execute(`select count(*) as n from ${quoteMysqlIdentifier(String(name))}`);
    if (Number(count?.n) > 0)
      throw new ShadowDatabaseRefusedError(
        url,
        `its upshift version table ${String(name)} holds ${Number(count!.n)} row(s): it is an app's database`,
      );
  }
}

/**
 * Empties the shadow: every view, table, sequence, procedure, function and event of its database
 * dropped (triggers go with their tables), then the marker written. The drops run with foreign key
 * checks off on a connection of their own, destroyed afterwards so the setting never reaches the
 * pool.
 */
export async function emptyMariadbShadow(shadowOrm: MikroORM): Promise<void> {
  const pool = (await shadowOrm.em
    .getConnection()
    .getNativeClient()
    .catch(() => undefined)) as MysqlPool | undefined;
  if (!pool?.promise)
    throw new ShadowDatabaseError(
      'upshift/dev empties a MariaDB/MySQL shadow database on a connection of its own from the mysql2 pool MikroORM makes, but the ORM was given a Kysely instance or dialect in driverOptions.',
    );
  const connection = await pool.promise().getConnection();
  const run = async <R>(text: string) => (await connection.query(text))[0] as R[];
  const q = (name: unknown) => quoteMysqlIdentifier(String(name));
  try {
    const objects = await run<{ name: string; type: string }>(
      'select table_name as name, table_type as type from information_schema.tables where table_schema = database()',
    );
    const routines = await run<{ name: string; type: string }>(
      'select routine_name as name, routine_type as type from information_schema.routines where routine_schema = database()',
    );
    const events = await run<{ name: string }>(
      'select event_name as name from information_schema.events where event_schema = database()',
    );
    await run('set foreign_key_checks = 0');
    for (const { name, type } of objects) {
      const kind = type === 'VIEW' ? 'view' : type === 'SEQUENCE' ? 'sequence' : 'table';
      await run(`drop ${kind} if exists ${q(name)}`);
    }
    for (const { name, type } of routines)
      await run(`drop ${type === 'PROCEDURE' ? 'procedure' : 'function'} if exists ${q(name)}`);
    for (const { name } of events) await run(`drop event if exists ${q(name)}`);
    await run(`create table ${q(SHADOW_MARKER_TABLE)} (made_by varchar(100) not null)`);
    await run(
      `insert into ${q(SHADOW_MARKER_TABLE)} values ('upshift/dev shadow database: emptied before and after each use')`,
    );
  } finally {
    connection.destroy();
  }
}
