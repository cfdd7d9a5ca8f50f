import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { checkDdlOptions, type DdlOptions } from './ddl-options.ts';
import { InvalidRevisionError } from './errors.ts';

/** What a revision's up() and down() receive. */
export interface RevisionContext {
  /** Runs one statement on the revision's own connection and transaction; returns the rows. */
  sql: <Row = Record<string, unknown>>(text: string, params?: readonly unknown[]) => Promise<Row[]>;
  /** An EntityManager bound to the same transaction, for data migrations. */
  em: EntityManager;
  /** The migrator's logger, with the revision id bound. */
  logger: Logger;
  /** Which database this is, for the rare revision that must differ between them. */
  dialect: 'postgresql' | 'sqlite' | 'mariadb';
}

export interface Revision {
  readonly id: string;
  /** [] for a base; two or more for a merge. */
  readonly parents: readonly string[];
  readonly message: string;
  /** ISO-8601; breaks ties in the topological order. */
  readonly createdAt: string;
  /** false: runs outside any transaction (e.g. CREATE INDEX CONCURRENTLY). Default true. */
  readonly transaction: boolean;
  /**
   * A squashed revision (squash() from upshift/dev): the revisions it stands for. A database
   * that has them all recorded treats this one as applied; see squash.ts.
   */
  readonly replaces?: readonly string[] | undefined;
  /**
   * A baseline (baseline() from upshift/dev): the tables and columns its up() creates. A first
   * boot against a database that has them all, and no upshift history, records it instead of
   * running it; see baseline.ts.
   */
  readonly baseline?: { readonly tables: Readonly<Record<string, readonly string[]>> } | undefined;
  /**
   * SQLite: run with foreign keys off (SQLite's procedure for rebuilding a table), checked with
   * `pragma foreign_key_check` before the commit. Ignored on PostgreSQL. Default false (optional,
   * so that revision modules written before it still satisfy Revision).
   */
  readonly disableForeignKeys?: boolean | undefined;
  /** PostgreSQL: this revision's lock/statement timeouts and retries, over the Migrator's `ddl`. */
  readonly ddl?: DdlOptions | undefined;
  readonly up: (ctx: RevisionContext) => Promise<void> | void;
  /** Missing: the revision is irreversible. */
  readonly down?: ((ctx: RevisionContext) => Promise<void> | void) | undefined;
}

export interface RevisionInput {
  id: string;
  parents: readonly string[];
  message?: string;
  createdAt?: string;
  transaction?: boolean;
  replaces?: readonly string[];
  baseline?: { tables: Record<string, readonly string[]> };
  /**
   * SQLite only: the runner turns foreign keys off outside the revision's transaction, so that
   * dropping or rebuilding a referenced table fires no ON DELETE action on the tables that
   * reference it, checks every reference before COMMIT (a dangling one rolls the revision back)
   * and restores the setting afterwards. PostgreSQL alters tables in place and ignores it.
   */
  disableForeignKeys?: boolean;
  /** PostgreSQL: this revision's lock/statement timeouts and retries, over the Migrator's `ddl`. */
  ddl?: DdlOptions;
  up: (ctx: RevisionContext) => Promise<void> | void;
  down?: (ctx: RevisionContext) => Promise<void> | void;
}

export const REVISION_ID = /^[A-Za-z0-9_]{4,64}$/;

/**
 * Validates and freezes a revision. Called by the Migrator for every bundled entry (a generated
 * revision is a plain object), and by defineRevision() in modules that use it.
 */
export function defineRevision(input: RevisionInput): Revision {
  return validateRevision(input, 'defineRevision()');
}

/**
 * What validateRevision returns: the revision, frozen, with a private brand that only this class
 * can give, so a revision passed in again (defineRevision's, then the Migrator's) is not checked
 * twice. A brand, not a WeakSet of every validated revision: such a set grows with the bundle,
 * and filling a large one costs several times more per entry (see id-index.ts).
 */
class ValidRevision implements Revision {
  readonly #valid = true;
  readonly id: string;
  readonly parents: readonly string[];
  readonly message: string;
  readonly createdAt: string;
  readonly transaction: boolean;
  readonly disableForeignKeys: boolean;
  readonly replaces: readonly string[] | undefined;
  readonly baseline: Revision['baseline'];
  readonly ddl: DdlOptions | undefined;
  readonly up: Revision['up'];
  readonly down: Revision['down'];

  constructor(
    id: string,
    parents: readonly string[],
    message: string,
    createdAt: string,
    transaction: boolean,
    disableForeignKeys: boolean,
    up: Revision['up'],
    down: Revision['down'],
    ddl: DdlOptions | undefined,
    replaces?: readonly string[],
    baseline?: Revision['baseline'],
  ) {
    this.id = id;
    this.parents = parents;
    this.message = message;
    this.createdAt = createdAt;
    this.transaction = transaction;
    this.disableForeignKeys = disableForeignKeys;
    this.up = up;
    this.down = down;
    this.replaces = replaces;
    this.baseline = baseline;
    this.ddl = ddl;
    Object.freeze(this);
  }

  static is(value: object): value is ValidRevision {
    return #valid in value;
  }
}

export function validateRevision(input: unknown, where: string): Revision {
  if (input === null || typeof input !== 'object') {
    throw new InvalidRevisionError(
      `${where}: expected a revision object (the default export of a revision module), got ${describeValue(input)}.`,
    );
  }
  if (ValidRevision.is(input)) return input;
  const r = input as Record<string, unknown>;
  const id = r.id;
  if (typeof id !== 'string' || !REVISION_ID.test(id)) {
    throw new InvalidRevisionError(
      `${where}: revision id ${describeValue(id)} is invalid; an id is 4 to 64 characters of A-Z, a-z, 0-9 and _.`,
    );
  }
  const fail = (what: string): never => {
    throw new InvalidRevisionError(`Revision "${id}": ${what}`, id);
  };
  if (!Array.isArray(r.parents))
    fail(`parents must be an array of revision ids ([] for a base), got ${describeValue(r.parents)}.`);
  const parents = r.parents as unknown[];
  for (const p of parents) {
    if (typeof p !== 'string' || !REVISION_ID.test(p)) fail(`parent ${describeValue(p)} is not a valid revision id.`);
  }
  if (parents.length > 1 && new Set(parents).size !== parents.length) fail('a parent is listed twice.');
  if (parents.includes(id)) fail('a revision cannot be its own parent.');
  if (typeof r.up !== 'function') fail(`up must be a function, got ${describeValue(r.up)}.`);
  if (r.down !== undefined && typeof r.down !== 'function')
    fail(`down must be a function or left out, got ${describeValue(r.down)}.`);
  if (r.message !== undefined && typeof r.message !== 'string')
    fail(`message must be a string, got ${describeValue(r.message)}.`);
  if (
    r.createdAt !== undefined &&
    r.createdAt !== '' &&
    (typeof r.createdAt !== 'string' || Number.isNaN(Date.parse(r.createdAt)))
  ) {
    fail(`createdAt must be an ISO-8601 date string, got ${describeValue(r.createdAt)}.`);
  }
  if (r.transaction !== undefined && typeof r.transaction !== 'boolean')
    fail(`transaction must be true or false, got ${describeValue(r.transaction)}.`);
  if (r.disableForeignKeys !== undefined && typeof r.disableForeignKeys !== 'boolean') {
    fail(`disableForeignKeys must be true, false or left out, got ${describeValue(r.disableForeignKeys)}.`);
  }
  let replaces: string[] | undefined;
  if (r.replaces !== undefined) {
    if (!Array.isArray(r.replaces) || r.replaces.length === 0)
      fail(`replaces must be a non-empty array of revision ids or left out, got ${describeValue(r.replaces)}.`);
    for (const x of r.replaces as unknown[])
      if (typeof x !== 'string' || !REVISION_ID.test(x) || x === id)
        fail(`replaces lists ${describeValue(x)}, which is not another revision's id.`);
    replaces = Object.freeze([...(r.replaces as string[])]) as string[];
  }
  const baseline = r.baseline as { tables?: unknown } | undefined;
  if (baseline !== undefined) {
    const tables = baseline?.tables;
    const ok =
      tables !== null &&
      typeof tables === 'object' &&
      Object.values(tables).every((c) => Array.isArray(c) && c.every((x) => typeof x === 'string'));
    if (!ok) fail('baseline must be { tables: { <table>: [<column>, ...] } }, as baseline() writes it.');
    if (parents.length > 0) fail('a baseline must be a base revision (parents: []).');
  }
  let ddl: DdlOptions | undefined;
  try {
    ddl = checkDdlOptions(r.ddl, `Revision "${id}"`);
  } catch (error) {
    fail((error as Error).message.replace(`Revision "${id}": `, ''));
  }
  return new ValidRevision(
    id,
    Object.freeze([...(parents as string[])]),
    (r.message as string | undefined) ?? '',
    (r.createdAt as string | undefined) ?? '',
    (r.transaction as boolean | undefined) ?? true,
    (r.disableForeignKeys as boolean | undefined) ?? false,
    r.up as Revision['up'],
    r.down as Revision['down'],
    ddl && Object.freeze(ddl),
    replaces,
    baseline as Revision['baseline'],
  );
}

/** A value, for an error message: strings quoted, numbers and booleans as they are, else the kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
