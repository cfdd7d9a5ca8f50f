import { createRequire } from 'node:module';
import type { Database } from '../../database.ts';
import type { MysqlConnection } from './get-lock.ts';

/** mysql2's options that configure a pool, not a connection (mysql2 warns about them on a connection). */
const POOL_ONLY = ['connectionLimit', 'idleTimeout', 'maxIdle', 'queueLimit', 'waitForConnections'];

interface Mysql2 {
  createConnection(options: object): Promise<MysqlConnection & { end(): Promise<void> }>;
}

interface MikroOrmMysqlConnection {
  mapOptions(overrides: object): Record<string, unknown>;
}

/**
 * mysql2's promise API, loaded from where MikroORM's MySQL driver finds it (@mikro-orm/mysql, which
 * @mikro-orm/mariadb depends on), so the app needs nothing more. Only loaded for a pool of one.
 */
function loadMysql2(): Mysql2 {
  let lastError: unknown;
  for (const path of [['@mikro-orm/mysql'], ['@mikro-orm/mariadb', '@mikro-orm/mysql']]) {
    try {
      let require = createRequire(import.meta.url);
      let at = '';
      for (const name of path) {
        at = at ? createRequire(at).resolve(name) : import.meta.resolve(name);
        require = createRequire(at);
      }
      return require('mysql2/promise') as Mysql2;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/**
 * A connection for the lock outside the ORM's pool, opened with the options MikroORM gives its
 * pool (host, credentials, database, TLS, driverOptions): for a pool of one connection, where
 * checking that one out for the lock would leave none for the revisions, which would wait for it
 * forever. The app's onCreateConnection hook does not run on it; the lock needs none.
 */
export async function ownConnection(db: Database): Promise<MysqlConnection> {
  const connection = db.connection as unknown as MikroOrmMysqlConnection;
  const driverOptions = db.orm.config.get('driverOptions');
  const options = connection.mapOptions(
    driverOptions && typeof driverOptions === 'object' && !('createDriver' in driverOptions) ? driverOptions : {},
  );
  for (const key of POOL_ONLY) delete options[key];
  if (typeof options.password === 'function') options.password = await (options.password as () => unknown)();
  const own = await loadMysql2().createConnection(options);
  return {
    query: (sql, params) => own.query(sql, params),
    // Not a pool's: released means closed (the server drops the lock with it).
    release: () => void own.end().catch(() => own.destroy()),
    destroy: () => own.destroy(),
  };
}
