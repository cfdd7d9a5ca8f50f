import type { Transaction } from '@mikro-orm/core';
import type { Database, Row } from '../../database.ts';
import { LockLostError, type LockHolder } from '../../errors.ts';
import type { LockAttempt } from '../../lock.ts';
import type { Fence, Store } from '../../store.ts';
import type { RevisionStepInfo, StepStatements, Unit } from '../dialect.ts';
import { LockedUnits } from '../held-lock.ts';
import { createMysqlTableStatements, type MysqlTables } from './ddl.ts';
import type { GetLockSession } from './get-lock.ts';
import { type ProgressRow, readProgress, schemaFingerprint } from './progress.ts';
import { runRevisionStep } from './revision-steps.ts';
import { SchemaAhead } from './schema-ahead.ts';

/**
 * upshift's lock on MariaDB/MySQL: GET_LOCK on a connection of its own (get-lock.ts), held for
 * the whole operation and gone with that connection. Units run in transactions on the ORM's pool;
 * every version-row and progress write carries the fence `IS_USED_LOCK(name) = <lock connection
 * id>`, checked by the server in the same statement, so a replica whose lock connection died can
 * write nothing. Revisions run through runStep (revision-steps.ts): per-statement progress,
 * because DDL commits implicitly here.
 */
export class MariaDbLock extends LockedUnits implements LockAttempt {
  protected readonly keepsApplied = true;
  protected readonly runsOutsideTransactions = false;
  readonly what: string;
  readonly #session: GetLockSession;
  readonly #tableName: string;
  readonly #tables: MysqlTables;
  /** The progress rows of revisions cut by a crash, read once under the lock. */
  #progress: ProgressRow[] | undefined;
  /** The schema's fingerprint, read on the lock's connection ahead of the next DDL statement. */
  readonly #ahead: SchemaAhead;

  constructor(db: Database, store: Store, session: GetLockSession, tableName: string, tables: MysqlTables) {
    super(db, store);
    this.#session = session;
    this.#tableName = tableName;
    this.#tables = tables;
    this.what = `MariaDB/MySQL lock "${session.name}"`;
    this.#ahead = new SchemaAhead(() => schemaFingerprint((sql, params) => session.run(sql, params)));
  }

  tryAcquire(): Promise<boolean> {
    return this.#session.tryAcquire();
  }

  holder(): Promise<LockHolder | undefined> {
    return this.#session.holder();
  }

  /** The waiting connection reads (whileWaiting): the lock's own connection, never a second one. */
  readonly read = async (sql: string): Promise<Row | undefined> => (await this.#session.run(sql)).rows[0];

  protected beginUnit(): Promise<Transaction> {
    return this.db.begin();
  }

  /** Each statement is DDL (commits on its own) and safe to run again; on the lock's connection. */
  protected override async prepareTables(): Promise<void> {
    for (const sql of createMysqlTableStatements(this.#tableName, this.#tables)) await this.#session.run(sql);
    this.#progress = await readProgress((sql, params) => this.#session.run(sql, params), this.#tables);
  }

  protected override fence(): Fence {
    return this.#session.fence();
  }

  protected override async confirm(trx: Transaction): Promise<void> {
    const fence = this.fence();
    const [row] = await this.db.query<{ held: unknown }>(`select ${fence.sql} as \`held\``, fence.params, trx);
    if (Number(row?.held) !== 1) throw new LockLostError('the lock connection no longer holds GET_LOCK');
  }

  async runStep(
    unit: Unit,
    step: RevisionStepInfo,
    invoke: (statements: StepStatements) => Promise<number>,
  ): Promise<number> {
    if (!this.#progress) await this.readApplied();
    return runRevisionStep(
      { db: this.db, tables: this.#tables, fence: () => this.fence(), progress: this.#progress!, ahead: this.#ahead },
      unit,
      step,
      invoke,
    );
  }

  override async release(): Promise<void> {
    // A read ahead after the last DDL statement is not needed; it ends before the lock is let go.
    await this.#ahead.settle();
    await this.#session.release();
  }
}
