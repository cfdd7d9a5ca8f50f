import type { Logger } from 'pino';
import { Bundle } from './bundle.ts';
import { Database } from './database.ts';
import { createDialect } from './dialect/index.ts';
import { typed } from './driver-errors.ts';
import { current, history, status } from './operations/inspect.ts';
import { downgrade } from './operations/downgrade.ts';
import { stamp } from './operations/stamp.ts';
import { upgrade } from './operations/upgrade.ts';
import { checkTransactionFlags, resolveOptions, type MigratorOptions } from './options.ts';
import type { DowngradeResult, HistoryEntry, StampResult, Status, UpgradeResult } from './results.ts';
import { Runtime } from './runtime.ts';
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
    const dialect = createDialect(options.orm, db, { name: resolved.tableName, schema: resolved.schema, lockScope: resolved.lockScope, searchPath: resolved.searchPath });
    checkTransactionFlags(resolved, bundle.revisions, dialect.runsOutsideTransactions);
    this.#rt = new Runtime({ options: resolved, bundle, db, dialect, logger: options.logger as Logger | undefined });
  }

  /** Ids of the bundled heads. No database access. */
  heads(): string[] {
    return this.#rt.bundle.graph.heads();
  }

  /**
   * Applies what the target needs (default: every bundled revision). When nothing is pending
   * this is one query and no lock: the boot path of every replica.
   */
  upgrade(target = 'heads'): Promise<UpgradeResult> {
    return typed('upgrade', upgrade(this.#rt, target));
  }

  /** Reverts to a target: "-N", "base", or an applied id / prefix (its descendants are reverted). */
  downgrade(target: string): Promise<DowngradeResult> {
    return typed('downgrade', downgrade(this.#rt, target));
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
