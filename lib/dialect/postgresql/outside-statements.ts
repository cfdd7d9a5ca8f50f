import type { Database, Row } from '../../database.ts';
import type { DdlLimits } from '../../ddl-options.ts';
import { InvalidIndexError } from '../../errors/invalid-index.ts';
import { noteProbe } from '../../progress.ts';
import type { StatementGuard } from '../dialect.ts';
import type { PostgreSqlDdlGuard } from './ddl-limits.ts';
import { waitStateOf } from './wait-state.ts';

/** Statements PostgreSQL refuses inside a transaction block: they run as sent, on the pool. */
const OUTSIDE_ONLY =
  /\bconcurrently\b|^\s*(vacuum|reindex|create\s+database|drop\s+database|alter\s+system|create\s+tablespace|drop\s+tablespace)\b/i;
/** A concurrent index build, and the (possibly quoted, possibly schema-qualified) index name it names. */
const CONCURRENT_BUILD =
  /^\s*create\s+(?:unique\s+)?index\s+concurrently\s+(?:if\s+not\s+exists\s+)?((?:"[^"]+"|[\w$]+)(?:\s*\.\s*(?:"[^"]+"|[\w$]+))?)/i;

const INVALID_SQL =
  'select c.oid::regclass::text as name from pg_index i join pg_class c on c.oid = i.indexrelid where not i.indisvalid and c.oid = to_regclass(?)';

/**
 * The statements of one `transaction: false` revision on PostgreSQL.
 *
 * - A statement that may run in a transaction runs in one of its own, with the revision's
 *   lock_timeout / statement_timeout (SET LOCAL) and the same retries on lock_timeout as a
 *   transactional revision: `transaction: false` loses no bound.
 * - Before `CREATE INDEX CONCURRENTLY name`, an INVALID index of that name (left by a failed or
 *   killed build, which `if not exists` would keep) is dropped concurrently, so the statement
 *   rebuilds it; a warning says so.
 * - After the revision, every index it built concurrently is checked: an INVALID one is
 *   InvalidIndexError, and the revision is not recorded.
 */
export class OutsideStatements implements StatementGuard {
  readonly #db: Database;
  readonly #guard: PostgreSqlDdlGuard;
  readonly #revisionId: string;
  readonly #limits: DdlLimits;
  readonly #built: string[] = [];

  constructor(db: Database, guard: PostgreSqlDdlGuard, revisionId: string, limits: DdlLimits) {
    this.#db = db;
    this.#guard = guard;
    this.#revisionId = revisionId;
    this.#limits = limits;
  }

  async run(text: string, params: readonly unknown[]): Promise<Row[]> {
    const build = CONCURRENT_BUILD.exec(text);
    if (build) {
      const name = build[1]!;
      const invalid = await this.#invalid(name);
      if (invalid) {
        this.#guard.logger.warn(
          { revision: this.#revisionId, index: invalid },
          `revision ${this.#revisionId}: index ${invalid} is INVALID (a failed or killed concurrent build); dropping it concurrently to rebuild it`,
        );
        await this.#db.query(`drop index concurrently if exists ${name}`);
      }
      this.#built.push(name);
    }
    if (OUTSIDE_ONLY.test(text)) {
      // On a connection of the pool whose pid is not known: the heartbeat finds it by its text.
      noteProbe(() => waitStateOf(this.#db, { text }));
      return this.#db.query(text, params);
    }
    return this.#guard.retrying(this.#revisionId, this.#limits, (limit) =>
      this.#db.transaction(async (trx) => {
        await limit(trx);
        return this.#db.query(text, params, trx);
      }),
    );
  }

  async finish(): Promise<void> {
    const invalid: string[] = [];
    for (const name of this.#built) {
      const found = await this.#invalid(name);
      if (found) invalid.push(found);
    }
    if (invalid.length > 0) throw new InvalidIndexError(this.#revisionId, invalid);
  }

  async #invalid(name: string): Promise<string | undefined> {
    const [row] = await this.#db.query<{ name: string }>(INVALID_SQL, [name]);
    return row?.name;
  }
}
