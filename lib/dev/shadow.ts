import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { MikroORM } from '@mikro-orm/core';
import { pino } from 'pino';
import { Database } from '../database.ts';
import { Migrator } from '../migrator.ts';
import { runAlone } from '../runner.ts';
import type { Revision } from '../revision.ts';
import { RevisionFailedError } from '../errors.ts';
import { PROGRESS_SUFFIX, STATE_SUFFIX } from '../dialect/dialect.ts';
import { createDialect, platformOf } from '../dialect/index.ts';
import { InvalidDevOptionError, RoundTripError, ShadowDatabaseError } from './errors.ts';
import { connectionOptions, emptyShadow, redacted, refuseUnsafeShadow, SHADOW_MARKER_TABLE } from './shadow-url.ts';
import {
  createMariadbShadow,
  dropMariadbShadow,
  emptyMariadbShadow,
  refuseMovedMariadbShadow,
  refuseUnsafeMariadbShadow,
} from './shadow-mariadb.ts';

export type DialectName = 'postgresql' | 'sqlite' | 'mariadb';

/** The version table of the shadow database; never part of the entities' schema. */
export const SHADOW_VERSION_TABLE = 'upshift_revisions';
/** upshift's own tables in the shadow database: the version table and the state table beside it. */
export const SHADOW_UPSHIFT_TABLES = [
  SHADOW_VERSION_TABLE,
  SHADOW_VERSION_TABLE + STATE_SUFFIX,
  SHADOW_VERSION_TABLE + PROGRESS_SUFFIX,
  SHADOW_MARKER_TABLE,
];

/**
 * A throw-away database with the app's entities and driver, where upshift/dev replays the
 * revisions. SQLite: an in-memory database. PostgreSQL and MariaDB/MySQL: a database created for
 * the occasion on the app's server and dropped (with force on PostgreSQL) afterwards. Neither
 * reads nor writes the app's own database: the app's ORM only lends its configuration.
 */
export interface Shadow {
  readonly orm: MikroORM;
  readonly dialect: DialectName;
  /** A migrator over the shadow, with a silent logger. */
  migrator(revisions: readonly Revision[]): Migrator;
  /** Runs every revision's up, as the app's startup would. */
  build(revisions: readonly Revision[]): Promise<void>;
  /**
   * Runs one revision's up or down by itself: no version table, no lock, since nobody else uses
   * the shadow and the caller keeps the order. Throws RevisionFailedError.
   */
  step(revision: Revision, direction: 'up' | 'down'): Promise<void>;
  close(): Promise<void>;
}

export function dialectOf(orm: MikroORM, operation: string): DialectName {
  const platform = orm?.em?.getPlatform?.();
  if (!platform)
    throw new InvalidDevOptionError(
      operation,
      'orm',
      'must be an initialized MikroORM instance (await MikroORM.init(...)).',
    );
  const name = platformOf(orm);
  if (!name)
    throw new InvalidDevOptionError(
      operation,
      'orm',
      `uses ${platform.constructor.name}; upshift/dev supports PostgreSQL, SQLite and MariaDB/MySQL.`,
    );
  return name === 'mysql' ? 'mariadb' : name;
}

/**
 * `shadowDatabaseUrl` (PostgreSQL, MariaDB/MySQL): a database someone else created, emptied
 * before and after use instead of created and dropped (shadow-url.ts and shadow-mariadb.ts say
 * which ones are refused).
 */
export async function openShadow(appOrm: MikroORM, operation: string, shadowDatabaseUrl?: string): Promise<Shadow> {
  const dialect = dialectOf(appOrm, operation);
  const OrmClass = appOrm.constructor as unknown as { init(options: object): Promise<MikroORM> };
  const base = {
    ...appOrm.config.getAll(),
    debug: false,
    ensureDatabase: false,
    ensureIndexes: false,
    allowGlobalContext: true,
    metadataCache: { enabled: false },
  };
  if (shadowDatabaseUrl !== undefined) {
    if (typeof shadowDatabaseUrl !== 'string')
      throw new InvalidDevOptionError(operation, 'shadowDatabaseUrl', 'must be a URL string naming a database.');
    if (dialect === 'sqlite') {
      throw new InvalidDevOptionError(
        operation,
        'shadowDatabaseUrl',
        'is for PostgreSQL and MariaDB/MySQL servers that refuse CREATE DATABASE; on SQLite the shadow is an in-memory database.',
      );
    }
    let orm: MikroORM;
    try {
      orm = await OrmClass.init({
        ...base,
        ...connectionOptions(shadowDatabaseUrl, dialect),
        pool: { min: 0, max: 4 },
      });
      await orm.em.getConnection().execute('select 1');
    } catch (error) {
      if (error instanceof ShadowDatabaseError) throw error;
      throw new ShadowDatabaseError(
        `cannot connect to shadowDatabaseUrl ${redacted(shadowDatabaseUrl)}: ${(error as Error).message}`,
        error,
      );
    }
    const empty = dialect === 'mariadb' ? emptyMariadbShadow : emptyShadow;
    try {
      if (dialect === 'mariadb') {
        await refuseMovedMariadbShadow(orm, String(orm.config.get('dbName')));
        await refuseUnsafeMariadbShadow(appOrm, orm, redacted(shadowDatabaseUrl));
      } else await refuseUnsafeShadow(appOrm, orm, shadowDatabaseUrl);
      await empty(orm);
    } catch (error) {
      await orm.close(true).catch(() => undefined);
      throw error;
    }
    return shadowOf(orm, dialect, async () => {
      try {
        await empty(orm);
      } finally {
        await orm.close(true);
      }
    });
  }
  if (dialect === 'sqlite') {
    const orm = await OrmClass.init({ ...base, dbName: ':memory:', pool: { min: 1, max: 1 } });
    return shadowOf(orm, dialect, async () => orm.close(true));
  }
  const name = `upshift_shadow_${process.pid}_${randomBytes(4).toString('hex')}`; // the pid tells whose it is
  if (dialect === 'mariadb') return openMariadbShadow(appOrm, OrmClass, base, name);
  // MikroORM's init discovers the entities and does not connect: it runs while the server
  // creates the database, which takes about as long.
  const ormReady = OrmClass.init({ ...base, dbName: name, pool: { min: 0, max: 4 } });
  // Its failure is reported where it is awaited; until then it must not count as unhandled.
  ormReady.catch(() => undefined);
  const discard = () =>
    ormReady.then(
      (orm) => orm.close(true),
      () => undefined,
    );
  let admin: PgClient;
  try {
    admin = await adminClient(appOrm);
  } catch (error) {
    await discard();
    throw error;
  }
  try {
    await admin.query(`create database "${name}"`);
    // A throw-away database need not wait for its WAL to reach disk at each commit; check()
    // commits three times per revision. Best effort: a role that may not ALTER DATABASE is fine.
    await admin.query(`alter database "${name}" set synchronous_commit = off`).catch(() => undefined);
  } catch (error) {
    await admin.end().catch(() => undefined);
    await discard();
    const code = (error as { code?: string }).code;
    throw new ShadowDatabaseError(
      code === '42501'
        ? `the PostgreSQL role may not CREATE DATABASE (${(error as Error).message}). upshift/dev never builds the shadow inside the app's database; ` +
            'give the development role CREATEDB (ALTER ROLE <role> CREATEDB), or point the ORM passed to revision()/check() at a role that has it.'
        : String((error as Error).message),
      error,
    );
  }
  const drop = async () => {
    try {
      await admin.query(`drop database if exists "${name}" with (force)`);
    } finally {
      await admin.end().catch(() => undefined);
    }
  };
  let orm: MikroORM;
  try {
    orm = await ormReady;
  } catch (error) {
    await drop();
    throw new ShadowDatabaseError(
      `MikroORM could not start on the shadow database "${name}": ${(error as Error).message}`,
      error,
    );
  }
  return shadowOf(orm, dialect, async () => {
    try {
      await orm.close(true);
    } finally {
      await drop();
    }
  });
}

/**
 * MariaDB/MySQL: a database created for the occasion on the app's server and dropped afterwards.
 * The ORM is made while the server creates the database (init does not connect).
 */
async function openMariadbShadow(
  appOrm: MikroORM,
  OrmClass: { init(options: object): Promise<MikroORM> },
  base: object,
  name: string,
): Promise<Shadow> {
  const ormReady = OrmClass.init({ ...base, dbName: name, pool: { min: 0, max: 4 } });
  ormReady.catch(() => undefined);
  try {
    await createMariadbShadow(appOrm, name);
  } catch (error) {
    await ormReady.then(
      (orm) => orm.close(true),
      () => undefined,
    );
    throw error;
  }
  let orm: MikroORM;
  try {
    orm = await ormReady;
  } catch (error) {
    await dropMariadbShadow(appOrm, name).catch(() => undefined);
    throw new ShadowDatabaseError(
      `MikroORM could not start on the shadow database "${name}": ${(error as Error).message}`,
      error,
    );
  }
  try {
    await refuseMovedMariadbShadow(orm, name);
  } catch (error) {
    await orm.close(true).catch(() => undefined);
    await dropMariadbShadow(appOrm, name).catch(() => undefined);
    throw error;
  }
  return shadowOf(orm, 'mariadb', async () => {
    try {
      await orm.close(true);
    } finally {
      await dropMariadbShadow(appOrm, name);
    }
  });
}

function shadowOf(orm: MikroORM, dialect: DialectName, close: () => Promise<void>): Shadow {
  const logger = pino({ level: 'silent' });
  const db = new Database(orm);
  // Nobody else uses a shadow, so the lock only has to be cheap: a transaction-scoped lock on the
  // ORM's own connection instead of a new connection per step (check() takes three steps per
  // revision). Revisions that must run outside a transaction need the session lock, and so does
  // MariaDB/MySQL, whose only lock is GET_LOCK on a connection of its own.
  const lockScope = (revisions: readonly Revision[]) =>
    dialect !== 'mariadb' && revisions.every((r) => r.transaction) ? 'transaction' : 'session';
  const alone = createDialect(orm, db, { name: SHADOW_VERSION_TABLE, schema: undefined, lockScope: lockScope([]) });
  const migrator = (revisions: readonly Revision[]) =>
    new Migrator({
      orm,
      revisions,
      logger,
      tableName: SHADOW_VERSION_TABLE,
      lock: { timeoutMs: 10_000, scope: lockScope(revisions) },
    });
  return {
    orm,
    dialect,
    migrator,
    async build(revisions) {
      if (revisions.length === 0) return;
      try {
        await migrator(revisions).upgrade();
      } catch (error) {
        if (error instanceof RevisionFailedError) {
          throw new RoundTripError(
            error.revisionId,
            'up',
            `its up() fails on a database built by the revisions before it: ${(error.cause as Error)?.message ?? String(error.cause)}.`,
            [],
            error,
          );
        }
        throw error;
      }
    },
    step: (revision, direction) => runAlone(revision, direction, { db, logger, dialect: alone }),
    close,
  };
}

interface PgClient {
  connect(): Promise<void>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
}

/**
 * A connection to the server's maintenance database ("postgres", else "template1"), with the
 * app's host, port, user and password: CREATE / DROP DATABASE never run in the app's database.
 * `pg` is loaded from where @mikro-orm/postgresql finds it, so the app needs nothing more.
 */
async function adminClient(appOrm: MikroORM): Promise<PgClient> {
  const connection = appOrm.em.getConnection() as unknown as { getConnectionOptions(): Record<string, unknown> };
  const options = connection.getConnectionOptions();
  const require = createRequire(import.meta.resolve('@mikro-orm/postgresql'));
  const pg = require('pg') as { Client: new (options: object) => PgClient };
  let lastError: unknown;
  for (const database of ['postgres', 'template1']) {
    const client = new pg.Client({ ...options, database, application_name: 'upshift-dev-shadow' });
    try {
      await client.connect();
      return client;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => undefined);
    }
  }
  throw new ShadowDatabaseError(
    `cannot connect to the maintenance database of the app's PostgreSQL server: ${(lastError as Error)?.message}`,
    lastError,
  );
}
