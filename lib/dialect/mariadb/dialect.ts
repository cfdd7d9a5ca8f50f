import type { Transaction } from '@mikro-orm/core';
import type { Database, Row } from '../../database.ts';
import { ConfigurationError, WrongDatabaseError } from '../../errors.ts';
import { IntendedDatabase } from '../intended-database.ts';
import { acquireOrRelease, type LockOptions } from '../../lock.ts';
import { STATE_COLUMNS } from '../../state-row.ts';
import { Store } from '../../store.ts';
import type { Dialect, HeldLock, Refusable, Tables, UnitOptions } from '../dialect.ts';
import {
  CURRENT_DATABASE,
  isDatabase,
  type MysqlTables,
  mysqlBootRead,
  mysqlTables,
  quoteMysqlIdentifier,
} from './ddl.ts';
import { GetLockSession, lockName, type MysqlPool } from './get-lock.ts';
import { MariaDbLock } from './lock.ts';
import { ownConnection } from './own-connection.ts';
import { releaseBrokenConnections } from './pool-repair.ts';

/** Why MariaDB/MySQL refuse what PostgreSQL and SQLite do (ConfigurationError, before any statement). */
const REFUSALS: Record<Refusable, string> = {
  dryRun:
    'a dry run executes the revisions in a transaction that is rolled back, but MariaDB/MySQL commit every DDL statement implicitly, so it would apply them for real. Use migrator.sql() on PostgreSQL, or a copy of the database',
  offlineSql:
    'offline SQL scripts rely on one transaction per revision and on the PostgreSQL/SQLite version-table DDL; on MariaDB/MySQL DDL commits implicitly and upshift records progress per statement, which a script cannot do',
  transactionAll:
    'transaction: "all" promises one transaction for the whole run, but MariaDB/MySQL commit every DDL statement implicitly. Use transaction: "each" (the default)',
  tenants: 'a schema per tenant is a PostgreSQL feature (a MariaDB/MySQL schema is a database)',
};

/** MySQL/MariaDB error numbers upshift tells apart. */
const ER_NO_SUCH_TABLE = 1146;
const ER_BAD_DB_ERROR = 1049;
const ER_BAD_FIELD_ERROR = 1054;
const ER_LOCK_WAIT_TIMEOUT = 1205;
const ER_LOCK_NOWAIT = 3572; // MySQL 8; MariaDB reports NOWAIT as 1205
const ER_DB_CREATE_EXISTS = 1007;

/** MikroORM's CREATE DATABASE lost to another process's: the database exists now. */
function isCreateRace(error: unknown): boolean {
  return errnoOf(error) === ER_DB_CREATE_EXISTS;
}

export class MariaDbDialect implements Dialect {
  readonly name = 'mariadb' as const;
  readonly runsOutsideTransactions = false;
  readonly refuses = REFUSALS;
  readonly quote = quoteMysqlIdentifier;
  readonly #db: Database;
  readonly #tableName: string;
  /** Unqualified: MariaDB/MySQL resolve them in the connection's current database. */
  readonly #tables: MysqlTables;
  #database: Promise<string> | undefined;
  readonly #intended: IntendedDatabase;

  constructor(db: Database, tableName: string) {
    this.#db = db;
    this.#tableName = tableName;
    this.#tables = mysqlTables(tableName);
    this.#intended = new IntendedDatabase(db, 'information_schema');
    db.recoverWith(async () => {
      releaseBrokenConnections(await db.nativeClient<MysqlPool>());
    });
  }

  concat(...parts: string[]): string {
    return `concat(${parts.join(', ')})`;
  }

  stateRowUpsert(stateTable: string): string {
    const keys = quoteMysqlIdentifier(STATE_COLUMNS.keys);
    const ids = quoteMysqlIdentifier(STATE_COLUMNS.ids);
    return (
      `insert into ${stateTable} (\`id\`, ${keys}, ${ids}) values (1, ?, ?) ` +
      `on duplicate key update ${keys} = values(${keys}), ${ids} = values(${ids})`
    );
  }

  /** The connection's current database (the lock's name includes it); checked once. */
  async locate(): Promise<Tables> {
    await this.#databaseName();
    return this.#tables;
  }

  /**
   * The connection's current database, checked once against the one the ORM is configured for
   * before any write (placement.ts says the same on PostgreSQL): after MikroORM lost the race to
   * create a missing database it is put back; any other mismatch (a hook that runs USE, a proxy
   * that maps names) is a WrongDatabaseError.
   */
  #databaseName(): Promise<string> {
    this.#database ??= (async () => {
      await this.#intended.connect(isCreateRace);
      const current = async () =>
        (await this.#db.query<{ database: string | null; caseless: unknown }>(`select ${CURRENT_DATABASE}`))[0]!;
      let row = await current();
      const intended = this.#intended.name;
      if (intended !== undefined && !isDatabase(row, intended)) {
        const switched = this.#intended.switched;
        if (switched) {
          await this.#intended.recover();
          row = await current();
        }
        if (!isDatabase(row, intended))
          throw new WrongDatabaseError(
            intended,
            row.database ?? '(none)',
            switched ? ' (MikroORM had switched its configuration to it, and reconnecting did not help)' : '',
          );
      }
      if (!row.database)
        throw new ConfigurationError(
          "upshift: the ORM's MariaDB/MySQL connection has no current database. Set dbName (or a database in clientUrl).",
        );
      return row.database;
    })();
    this.#database.catch(() => (this.#database = undefined));
    return this.#database;
  }

  /**
   * The boot read. Read in another database than the configured one, it is no answer: the full
   * path checks where it is and recovers (#databaseName).
   */
  async readStateDigest(kind: 'keys' | 'ids'): Promise<string | undefined> {
    let row: Row | undefined;
    try {
      row = await this.readRow(mysqlBootRead(kind, this.#tables));
    } catch (error) {
      if (this.isMissingTable(error)) return undefined;
      if (!isCreateRace(error)) throw error;
      await this.#intended.recover();
      return undefined;
    }
    const intended = this.#intended.name;
    if (!row || (intended !== undefined && !isDatabase(row, intended))) return undefined;
    return row.digest as string | undefined;
  }

  async readRow(sql: string): Promise<Row | undefined> {
    return (await this.#db.query(sql))[0];
  }

  isMissingTable(error: unknown): boolean {
    const errno = errnoOf(error);
    return errno === ER_NO_SUCH_TABLE || errno === ER_BAD_DB_ERROR;
  }

  isMissingColumn(error: unknown): boolean {
    return errnoOf(error) === ER_BAD_FIELD_ERROR;
  }

  joinedList(expression: string): string {
    // group_concat stops at group_concat_max_len (MariaDB: 1 MiB; MySQL: 1 KiB): AppliedKeys
    // then counts fewer keys than rows and the caller reads the table row by row instead.
    return `group_concat(${expression} separator ',')`;
  }

  /**
   * A locking read of every row, in share mode, NOWAIT: InnoDB's next-key locks then keep every
   * insert, update and delete out until this commits, and a writer busy now makes it fail at once.
   */
  async whileNoOneWrites<T>(work: (trx: Transaction) => Promise<T>): Promise<T | undefined | 'missing'> {
    const trx = await this.#db.begin();
    try {
      await this.#db.query(`select \`id\` from ${this.#tables.table} lock in share mode nowait`, [], trx);
    } catch (error) {
      await this.#db.rollback(trx);
      if (this.isMissingTable(error)) return 'missing';
      const errno = errnoOf(error);
      if (errno === ER_LOCK_WAIT_TIMEOUT || errno === ER_LOCK_NOWAIT) return undefined;
      throw error;
    }
    return this.#db.transaction(work, async () => trx);
  }

  runAlone<T>(work: (trx: Transaction | undefined) => Promise<T>, _options: UnitOptions = {}): Promise<T> {
    return this.#db.transaction(work);
  }

  async acquire<W>(options: LockOptions<W>): Promise<{ lock: HeldLock } | { abandoned: W }> {
    const database = await this.#databaseName();
    const pool = await this.#db.nativeClient<MysqlPool>();
    if (!pool)
      throw new ConfigurationError(
        'upshift: the MariaDB/MySQL lock takes a connection of its own from the mysql2 pool MikroORM makes, but this ORM was given a Kysely instance or dialect in driverOptions. Let MikroORM make its pool.',
      );
    // A pool of one cannot spare its connection for the lock: the revisions would wait for it forever.
    const own = (pool.config?.connectionLimit ?? 10) < 2 ? () => ownConnection(this.#db) : undefined;
    const session = await GetLockSession.open(
      pool,
      lockName(database, this.#tableName),
      this.#db.connectionWaitMs,
      own,
    );
    const store = new Store(this.#db, this, this.#tables);
    const lock = new MariaDbLock(this.#db, store, session, this.#tableName, this.#tables);
    return acquireOrRelease(lock, options);
  }
}

/** The server's error number, on mysql2's error or MikroORM's wrapper of it. */
export function errnoOf(error: unknown): number | undefined {
  const e = error as { errno?: unknown; cause?: { errno?: unknown } } | null;
  const errno = e?.errno ?? e?.cause?.errno;
  return typeof errno === 'number' ? errno : undefined;
}
