import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import type { Bundle } from './bundle.ts';
import type { Database } from './database.ts';
import type { Dialect } from './dialect/dialect.ts';
import type { ResolvedOptions } from './options.ts';
import { Store } from './store.ts';

/** What every operation works with: the options, the bundle, the database and its dialect, the logger. */
export class Runtime {
  readonly options: ResolvedOptions;
  readonly bundle: Bundle;
  readonly db: Database;
  readonly dialect: Dialect;
  readonly #appLogger: Logger | undefined;
  #defaultLogger: Logger | undefined;
  #store: Promise<Store> | undefined;

  constructor(parts: {
    options: ResolvedOptions;
    bundle: Bundle;
    db: Database;
    dialect: Dialect;
    logger: Logger | undefined;
  }) {
    this.options = parts.options;
    this.bundle = parts.bundle;
    this.db = parts.db;
    this.dialect = parts.dialect;
    this.#appLogger = parts.logger;
  }

  /**
   * The app's logger; without one, pino, loaded when there is first something to say: a no-op
   * boot logs nothing, so it never pays for loading pino.
   */
  get logger(): Logger {
    return this.#appLogger ?? (this.#defaultLogger ??= defaultLogger());
  }

  /** Which digest of the state row this app compares: with checksums unless they are off. */
  get digestKind(): 'keys' | 'ids' {
    return this.options.checksums === 'off' ? 'ids' : 'keys';
  }

  /** The version table, once the dialect has located it (and checked the database). */
  store(): Promise<Store> {
    this.#store ??= this.dialect.locate().then((tables) => new Store(this.db, this.dialect, tables));
    this.#store.catch(() => (this.#store = undefined));
    return this.#store;
  }
}

/** pino, named "upshift", at info: for an app that brings no logger of its own. */
export function defaultLogger(): Logger {
  const { pino } = createRequire(import.meta.url)('pino') as typeof import('pino');
  return pino({ name: 'upshift', level: 'info' });
}
