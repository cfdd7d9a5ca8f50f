import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { Database } from './database.ts';
import { createDialect } from './dialect/index.ts';
import type { Dialect, HeldLock } from './dialect/dialect.ts';
import { ChecksumMismatchError, ConfigurationError, DatabaseAheadError } from './errors.ts';
import { resolveOptions, type MigratorOptions, type ResolvedOptions } from './options.ts';
import { downgradePlan, upgradePlan, validateTarget } from './plan.ts';
import { validateRevision, type Revision } from './revision.ts';
import { declareRevision, isLazyEntry, isPlaceholder, loadDeclared, type DeclaredRevision, type LazyRevision } from './lazy-revision.ts';
import { RevisionGraph } from './revision-graph.ts';
import { preloadUmzug, runPlan, type Direction, type RunOutcome } from './runner.ts';
import { analyze, divergedError, type DatabaseState } from './state.ts';
import { Store, type AppliedKeys, type AppliedRevision } from './store.ts';
import { checksumOf, isCurrentFormat } from './checksum.ts';
import { appliedDigest, type DigestedRow } from './applied-digest.ts';
import { stampRequest, stampRows, type StampOptions } from './stamp.ts';
import type { DowngradeResult, HistoryEntry, StampResult, Status, UpgradeResult } from './results.ts';

/**
 * The public runtime: brings the database to the bundled revisions at startup. Data flows one
 * way: options → graph (pure) → read the applied set → plan → lock → re-read → runner → rows.
 */
export class Migrator {
  readonly #options: ResolvedOptions;
  /** Until #load(), declared revisions stand in it as placeholders; the shape never changes. */
  #graph: RevisionGraph;
  /** Declared revisions whose modules are not loaded yet. */
  #declared: DeclaredRevision[] = [];
  #loading: Promise<void> | undefined;
  readonly #db: Database;
  readonly #dialect: Dialect;
  readonly #store: Store;
  readonly #appLogger: Logger | undefined;
  #defaultLogger: Logger | undefined;
  /** See #bundleDigest(); built on first use. */
  #bundleDigestValue: string | undefined;

  constructor(options: MigratorOptions) {
    this.#options = resolveOptions(options);
    const revisions = options.revisions.map((r, i) => {
      if (!isLazyEntry(r)) return validateRevision(r, `revisions[${i}]`);
      const declared = declareRevision(r as LazyRevision, `revisions[${i}]`);
      this.#declared.push(declared);
      return declared.placeholder;
    });
    this.#graph = new RevisionGraph(revisions);
    this.#db = new Database(options.orm);
    this.#dialect = createDialect(options.orm, this.#db, { name: this.#options.tableName, schema: this.#options.schema }, {
      preparedReads: this.#options.lockScope === 'session',
    });
    this.#store = new Store(this.#db, this.#dialect);
    this.#appLogger = options.logger;
    const outside = revisions.find((r) => !r.transaction);
    if (outside && this.#options.lockScope === 'transaction') {
      throw new ConfigurationError(
        `new Migrator(options): lock.scope "transaction" holds the lock inside the one transaction of the run, but revision "${outside.id}" has transaction: false ` +
          '(it must run outside any transaction, where that lock does not exist). Run such revisions with lock.scope "session" on a direct (not transaction-pooled) connection.',
      );
    }
    if (outside && this.#options.transaction === 'all' && this.#dialect.name === 'postgresql') {
      throw new ConfigurationError(
        `new Migrator(options): transaction: "all" runs every revision in one transaction, but revision "${outside.id}" has transaction: false. Use transaction: "each".`,
      );
    }
  }

  /** Ids of the bundled heads. No database access. */
  heads(): string[] {
    return this.#graph.heads();
  }

  /**
   * Applies what the target needs (default: every bundled revision). When nothing is pending
   * this is one query and no lock: the boot path of every replica.
   */
  async upgrade(target = 'heads'): Promise<UpgradeResult> {
    const started = performance.now();
    if (target !== 'heads') return this.#upgrade(validateTarget(this.#graph, target, 'upgrade'), started, await this.#readStateDigest());
    const stored = await this.#readStateDigest();
    // The boot path of every replica: nothing unknown, missing or edited, so nothing to report,
    // and no declared revision module to import. Kept apart from the rest, in a function this
    // small: it runs once per boot, before V8 has optimized anything.
    if (stored === this.#bundleDigest()) return { applied: [], skipped: [], current: this.#graph.heads(), durationMs: elapsed(started) };
    return this.#upgrade(target, started, stored);
  }

  #readStateDigest(): Promise<string | undefined> {
    return this.#store.readStateDigest(this.#compareChecksums);
  }

  /** upgrade() past the boot path: the state row did not vouch for the bundle, or a target was given. */
  async #upgrade(target: string, started: number, stored: string | undefined): Promise<UpgradeResult> {
    await this.#load();
    const keys = await this.#store.readKeys(this.#compareChecksums);
    const rows = this.#rowsOf(keys) ?? (await this.#store.readApplied());
    let state = this.#check(analyze(this.#graph, rows), 'upgrade');
    const pendingBefore = upgradePlan(this.#graph, appliedIds(state), target).map((r) => r.id);
    if (pendingBefore.length === 0) {
      // Nothing to run, yet the state row did not vouch for the bundle. Either the table is not
      // exactly the bundle (a newer release's rows, edited checksums), and the row says so too;
      // or the row is missing (a killed run; a hand edit, whose trigger deleted it) or stale (a
      // table made before the triggers): only then is it written again, so that the next boot
      // is one short read.
      if (stored !== appliedDigest(rows, this.#compareChecksums)) await this.#refreshState();
      return { applied: [], skipped: [], current: state.current, durationMs: elapsed(started) };
    }
    let seenWhileWaiting: DatabaseState | undefined;
    const nothingLeft = async () => {
      const keys = await this.#store.readKeys(this.#compareChecksums);
      seenWhileWaiting = analyze(this.#graph, this.#rowsOf(keys) ?? (await this.#store.readApplied()));
      return upgradePlan(this.#graph, appliedIds(seenWhileWaiting), target).length === 0;
    };
    const outcome = await this.#locked(async (lock) => {
      preloadUmzug();
      state = await this.#reread(lock, state, 'upgrade');
      return this.#run('up', upgradePlan(this.#graph, appliedIds(state), target), state, lock);
    }, nothingLeft);
    // What was pending when this call started and it did not apply, another instance applied.
    const ran = new Set(outcome?.ran);
    const skipped = pendingBefore.filter((id) => !ran.has(id));
    // An instance that stopped waiting has just read where the database is: when many replicas
    // boot at once, all of them end here together, and one more read each is what they wait on.
    const current = outcome ? (outcome.current ?? (await this.current())) : seenWhileWaiting!.current;
    const applied = outcome?.ran ?? [];
    this.#logger.info({ applied, skipped, current, durationMs: elapsed(started) },
      `upgrade done: ${applied.length} revision(s) applied in ${elapsed(started)} ms; database at ${current.join(', ') || 'base'}`);
    return { applied, skipped, current, durationMs: elapsed(started) };
  }

  /** Reverts to a target: "-N", "base", or an applied id / prefix (its descendants are reverted). */
  async downgrade(target: string): Promise<DowngradeResult> {
    const started = performance.now();
    validateTarget(this.#graph, target, 'downgrade');
    await this.#load();
    let state = this.#check(analyze(this.#graph, await this.#store.readApplied()), 'downgrade');
    const plan = () => this.#downgradePlan(state, target);
    if (plan().length === 0) return { reverted: [], skipped: [], current: state.current, durationMs: elapsed(started) };
    // Without an abandon callback the lock is always taken, so the result is always there.
    const outcome = (await this.#locked(async (lock) => {
      preloadUmzug();
      state = await this.#reread(lock, state, 'downgrade');
      return this.#run('down', plan(), state, lock);
    }))!;
    const current = outcome.current ?? (await this.current());
    this.#logger.info({ reverted: outcome.ran, current, durationMs: elapsed(started) },
      `downgrade done: ${outcome.ran.length} revision(s) reverted in ${elapsed(started)} ms; database at ${current.join(', ') || 'base'}`);
    return { reverted: outcome.ran, skipped: outcome.skipped, current, durationMs: elapsed(started) };
  }

  /**
   * Records the target and its ancestors as applied and forgets what descends from it, running
   * no revision; other branches' rows stay unless `purge` (see stamp.ts). Kept rows get today's
   * checksum, which is how an edit of an applied revision is accepted.
   */
  async stamp(target: string, options?: StampOptions): Promise<StampResult> {
    const request = stampRequest(this.#graph, target, options);
    await this.#load();
    const result = (await this.#locked(async (lock) =>
      this.#db.transaction(async (trx) => {
        if (lock.scope === 'session') await this.#store.ensureTable(trx);
        const rows = await this.#store.readApplied(trx);
        return stampRows(this.#graph, rows, request, { store: this.#store, trx, lock });
      }, () => lock.begin()),
    ))!;
    const current = await this.current();
    this.#logger.info({ ...result, current }, `stamped ${target}: ${result.added.length} added, ${result.removed.length} removed`);
    return { ...result, current };
  }

  /** Ids of the applied heads in the database. */
  async current(): Promise<string[]> {
    await this.#load();
    return analyze(this.#graph, await this.#store.readApplied()).current;
  }

  /** Every bundled revision, parents first, with whether and when it was applied. */
  async history(): Promise<HistoryEntry[]> {
    await this.#load();
    const { rows } = analyze(this.#graph, await this.#store.readApplied(undefined, { withAppliedAt: true }));
    const heads = new Set(this.#graph.heads());
    return this.#graph.order.map((r) => ({
      id: r.id,
      parents: [...r.parents],
      message: r.message,
      createdAt: r.createdAt,
      isHead: heads.has(r.id),
      applied: rows.has(r.id),
      appliedAt: rows.get(r.id)?.appliedAt ?? null,
    }));
  }

  /** Where the database stands against the bundle. Never throws for what it finds; reports it. */
  async status(): Promise<Status> {
    await this.#load();
    const state = analyze(this.#graph, await this.#store.readApplied());
    const pending = upgradePlan(this.#graph, appliedIds(state)).map((r) => r.id);
    if (state.edited.length > 0 && this.#options.checksums === 'warn') this.#warnEdited(state.edited);
    if (state.edited.length > 0 && this.#options.checksums === 'error') throw new ChecksumMismatchError(state.edited);
    return {
      upToDate: pending.length === 0 && state.relation !== 'diverged',
      current: state.current,
      heads: this.#graph.heads(),
      pending,
      unknown: state.unknown,
      edited: this.#options.checksums === 'off' ? [] : state.edited,
      relation: state.relation,
    };
  }

  /**
   * The app's logger; without one, pino, loaded when there is first something to say: a no-op
   * boot logs nothing, so it never pays for loading pino.
   */
  get #logger(): Logger {
    return this.#appLogger ?? (this.#defaultLogger ??= defaultLogger());
  }

  get #compareChecksums(): boolean {
    return this.#options.checksums !== 'off';
  }

  /**
   * The digest the state row holds when the version table is exactly the bundle, unedited.
   * Until the modules are loaded, declared revisions count with their declared checksums (an
   * entry is a row as it is: id and checksum). The rows' order does not matter: the digest sorts.
   */
  #bundleDigest(): string {
    if (this.#bundleDigestValue === undefined) {
      const rows: DigestedRow[] = this.#declared.map((d) => d.entry);
      for (const r of this.#graph.order) if (!isPlaceholder(r)) rows.push({ id: r.id, checksum: checksumOf(r) });
      this.#bundleDigestValue = appliedDigest(rows, this.#compareChecksums);
    }
    return this.#bundleDigestValue;
  }

  /**
   * Imports the declared revision modules, once, and puts them in the graph in place of their
   * placeholders. Every path but the no-op boot needs them: to run a revision, and to compare
   * the checksums the database holds with the modules' own.
   */
  async #load(): Promise<void> {
    if (this.#declared.length === 0) return;
    this.#loading ??= this.#loadDeclared().finally(() => {
      this.#loading = undefined;
    });
    await this.#loading;
  }

  async #loadDeclared(): Promise<void> {
    const { revisions, stale } = await loadDeclared(this.#declared);
    this.#graph = new RevisionGraph(this.#graph.order.map((r) => revisions.get(r.id) ?? r));
    this.#declared = [];
    this.#bundleDigestValue = undefined;
    if (stale.length > 0) {
      const outdated = stale.every((s) => !isCurrentFormat(s.declared)) ? ' (in an older checksum format: not an edit)' : '';
      this.#logger.warn({ stale },
        `revisions/index.ts declares a checksum that is not its module's for ${stale.map((s) => s.id).join(', ')}${outdated}: ` +
          'until the entries are corrected, every boot imports the revision modules to compare them. check() from upshift/dev reports the values to declare.');
    }
  }

  /**
   * Writes the state row again. Never fails the operation: without the row the next boot reads
   * the whole table, which is slower, not wrong.
   */
  async #refreshState(): Promise<void> {
    try {
      if (!(await this.#store.refreshState())) {
        this.#logger.debug('state row not written: another instance is writing the version table, and writes it when done');
      }
    } catch (error) {
      this.#logger.warn({ err: error }, 'could not write the state row; the next boot reads the whole version table instead');
    }
  }

  /**
   * The applied rows, rebuilt from the keys of the one-row read when every key names a bundled
   * revision: parents then come from the bundle, which is all that deciding what to run needs.
   * Undefined when a key is unknown (the database is ahead, or diverged): only the full read has
   * the stored parents that place such a revision. What runs under the lock is decided from a
   * full read either way.
   */
  #rowsOf(keys: AppliedKeys): AppliedRevision[] | undefined {
    const list = keys.list();
    if (!list) return undefined;
    const rows: AppliedRevision[] = [];
    for (const key of list) {
      const space = key.indexOf(' ');
      const id = space < 0 ? key : key.slice(0, space);
      const revision = this.#graph.get(id);
      if (!revision) return undefined;
      rows.push({ id, parents: [...revision.parents], checksum: space < 0 ? '' : key.slice(space + 1) });
    }
    return rows;
  }

  #downgradePlan(state: DatabaseState, target: string): Revision[] {
    const plan = downgradePlan(this.#graph, state.rows, target);
    if (state.relation === 'ahead') {
      // Never revert a revision that a newer release's revisions are built on.
      const reverted = new Set(plan.map((r) => r.id));
      const blocked = state.unknown.filter((id) => state.rows.get(id)!.parents.some((p) => reverted.has(p)));
      if (blocked.length > 0) throw new DatabaseAheadError(blocked, 'downgrade');
    }
    return plan;
  }

  /** Runs `work` under the lock; undefined when `abandon` said, while waiting, that nothing is left. */
  async #locked<T>(work: (lock: HeldLock) => Promise<T>, abandon?: () => Promise<boolean>): Promise<T | undefined> {
    const options = { timeoutMs: this.#options.lockTimeoutMs, logger: this.#logger, ...(abandon ? { abandon } : {}) };
    const lock = await this.#dialect.acquire(options, this.#options.lockScope);
    if (!lock) return undefined;
    try {
      return await work(lock);
    } finally {
      // Whatever the work wrote, the triggers deleted the state row with it; it is written again
      // before anyone waiting for the lock goes on, also after a failure, from what the table holds.
      await this.#refreshState();
      await lock.release();
    }
  }

  /** A session lock: create the table and read the applied set again, now that it cannot move. */
  async #reread(lock: HeldLock, state: DatabaseState, operation: 'upgrade' | 'downgrade'): Promise<DatabaseState> {
    if (lock.scope !== 'session') return state; // SQLite re-checks inside each locked transaction
    await this.#store.ensureTable();
    return this.#check(analyze(this.#graph, await this.#store.readApplied()), operation, true);
  }

  /**
   * Runs the plan. Under a session lock nobody else wrote meanwhile, so where the database now
   * stands follows from what was read under the lock and what ran: no read after the run, which
   * would land just as every waiting replica wakes up. A transaction-scoped lock leaves
   * `current` undefined: the caller reads it.
   */
  async #run(direction: Direction, plan: Revision[], state: DatabaseState, lock: HeldLock): Promise<RunOutcome & { current?: string[] }> {
    const outcome = await runPlan(direction, plan, appliedIds(state), {
      db: this.#db,
      dialect: this.#dialect,
      store: this.#store,
      lock,
      logger: this.#logger,
      mode: this.#options.transaction,
    });
    if (lock.scope !== 'session') return outcome;
    const rows = new Map(state.rows);
    for (const id of outcome.ran) {
      const revision = this.#graph.get(id)!;
      if (direction === 'down') rows.delete(id);
      else rows.set(id, { id, parents: [...revision.parents], checksum: checksumOf(revision) });
    }
    return { ...outcome, current: analyze(this.#graph, [...rows.values()]).current };
  }

  /** Refuses a diverged database; applies the onDatabaseAhead and checksums policies. */
  #check(state: DatabaseState, operation: 'upgrade' | 'downgrade', quiet = false): DatabaseState {
    if (state.relation === 'diverged') throw divergedError(state);
    if (state.relation === 'ahead') {
      if (this.#options.onDatabaseAhead === 'error' && operation === 'upgrade') throw new DatabaseAheadError(state.unknown);
      if (!quiet) {
        this.#logger.warn({ unknown: state.unknown },
          `the database has ${state.unknown.length} revision(s) newer than this code (${state.unknown.join(', ')}); starting anyway (onDatabaseAhead: "warn")`);
      }
    }
    if (state.edited.length > 0) {
      if (this.#options.checksums === 'error') throw new ChecksumMismatchError(state.edited);
      if (this.#options.checksums === 'warn' && !quiet) this.#warnEdited(state.edited);
    }
    if (state.outdated.length > 0 && this.#compareChecksums && !quiet) {
      const ids = state.outdated.length > 5 ? `${state.outdated.slice(0, 5).join(', ')} and ${state.outdated.length - 5} more` : state.outdated.join(', ');
      this.#logger.warn({ outdated: state.outdated },
        `${state.outdated.length} applied revision(s) were recorded with an older checksum format (${ids}), which upshift no longer compares: ` +
          "an edit of them goes unseen, and no boot takes the one-query path. Run `await migrator.stamp('heads')` once to record them anew.");
    }
    return state;
  }

  #warnEdited(ids: string[]): void {
    this.#logger.warn({ edited: ids }, `applied revision(s) edited since they ran: ${ids.join(', ')} (checksums: "warn")`);
  }
}

function appliedIds(state: DatabaseState): Set<string> {
  return new Set(state.rows.keys());
}

/** pino, named "upshift", at info: for an app that brings no logger of its own. */
function defaultLogger(): Logger {
  const { pino } = createRequire(import.meta.url)('pino') as typeof import('pino');
  return pino({ name: 'upshift', level: 'info' });
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
