import type { Logger } from 'pino';
import { Bundle } from './bundle.ts';
import { Database } from './database.ts';
import { createDialect, refuseIfUnsupported } from './dialect/index.ts';
import { typed } from './driver-errors.ts';
import { current, history, status } from './operations/inspect.ts';
import { downgrade } from './operations/downgrade.ts';
import { stamp } from './operations/stamp.ts';
import { upgrade } from './operations/upgrade.ts';
import { dryRun } from './operations/dry-run.ts';
import { offlineSql, type OfflineOperation, type OfflineOptions } from './operations/offline-sql.ts';
import { checkTransactionFlags, resolveOptions, type MigratorOptions } from './options.ts';
import type { DowngradeResult, DryRunResult, HistoryEntry, StampResult, Status, UpgradeResult } from './results.ts';
import { Runtime } from './runtime.ts';
import type { Refusable } from './dialect/dialect.ts';
import { stampRequest, type StampOptions } from './stamp.ts';

/**
 * The public runtime: brings the database to the bundled revisions at startup. Every check of
 * the options and the bundle happens here, before any statement. Each operation is a recipe in
 * lib/operations/ (read → plan → run under the lock → summarize); this class is their front door,
 * where every failure, whatever raised it, becomes an UpshiftError with a stable code.
 */
export class Migrator {
  readonly #rt: Runtime;

  constructor(options: MigratorOptions) {
    const resolved = resolveOptions(options);
    const bundle = new Bundle(options.revisions);
    const db = new Database(options.orm, resolved.connectionWaitMs);
    const dialect = createDialect(options.orm, db, {
      name: resolved.tableName,
      schema: resolved.schema,
      lockScope: resolved.lockScope,
      searchPath: resolved.searchPath,
    });
    if (resolved.transaction === 'all') refuseIfUnsupported(dialect, 'transactionAll', 'new Migrator(options)');
    checkTransactionFlags(resolved, bundle.revisions, dialect.runsOutsideTransactions);
    this.#rt = new Runtime({ options: resolved, bundle, db, dialect, logger: options.logger as Logger | undefined });
  }

  /** Runs `work` unless this database refuses it (ConfigurationError, no statement sent). */
  async #refusing<T>(what: Refusable, call: string, work: () => Promise<T>): Promise<T> {
    refuseIfUnsupported(this.#rt.dialect, what, `migrator.${call}()`);
    return work();
  }

  /** Ids of the bundled heads. No database access. */
  heads(): string[] {
    return this.#rt.bundle.graph.heads();
  }

  /**
   * Applies what the target needs (default: every bundled revision). When nothing is pending
   * this is one query and no lock: the boot path of every replica.
   */
  upgrade(target?: string, options?: { dryRun?: false }): Promise<UpgradeResult>;
  /** `{ dryRun: true }`: runs the plan under the lock in a transaction that is rolled back. */
  upgrade(target: string | undefined, options: { dryRun: true }): Promise<DryRunResult>;
  upgrade(target = 'heads', options?: { dryRun?: boolean }): Promise<UpgradeResult | DryRunResult> {
    if (options?.dryRun === true)
      return typed(
        'upgrade',
        this.#refusing('dryRun', 'upgrade', () => dryRun(this.#rt, 'up', target)),
      );
    return typed('upgrade', upgrade(this.#rt, target));
  }

  /** Reverts to a target: "-N", "base", or an applied id / prefix (its descendants are reverted). */
  downgrade(target: string, options?: { dryRun?: false }): Promise<DowngradeResult>;
  /** `{ dryRun: true }`: runs the plan under the lock in a transaction that is rolled back. */
  downgrade(target: string, options: { dryRun: true }): Promise<DryRunResult>;
  downgrade(target: string, options?: { dryRun?: boolean }): Promise<DowngradeResult | DryRunResult> {
    if (options?.dryRun === true)
      return typed(
        'downgrade',
        this.#refusing('dryRun', 'downgrade', () => dryRun(this.#rt, 'down', target)),
      );
    return typed('downgrade', downgrade(this.#rt, target));
  }

  /**
   * Offline SQL (Alembic's --sql): the script the operation would send, as text, rendered
   * against a recording context. With `from`, no connection is made.
   */
  sql(operation: OfflineOperation, target?: string, options?: OfflineOptions): Promise<string> {
    return typed(
      'sql',
      this.#refusing('offlineSql', 'sql', async () => offlineSql(this.#rt, operation, target, options)),
    );
  }

  /**
   * Records the target's line as applied, running no revision: adds the target and its
   * ancestors, forgets what descends from it; other branches' rows stay. `{ purge: true }`:
   * exactly the target and its ancestors, every other row removed.
   */
  stamp(target: string, options?: StampOptions): Promise<StampResult> {
    return typed('stamp', (async () => stamp(this.#rt, stampRequest(this.#rt.bundle.graph, target, options)))());
  }

  /** Ids of the applied heads in the database. */
  current(): Promise<string[]> {
    return typed('current', current(this.#rt));
  }

  /** Every bundled revision, parents first, with whether and when it was applied. */
  history(): Promise<HistoryEntry[]> {
    return typed('history', history(this.#rt));
  }

  /** Where the database stands against the bundle. */
  status(): Promise<Status> {
    return typed('status', status(this.#rt));
  }
}
