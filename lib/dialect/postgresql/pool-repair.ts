/** What of a pg Pool's bookkeeping the repair reads (pg-pool 3: the clients, the idle ones). */
interface PoolInternals {
  _clients?: unknown;
  _idle?: unknown;
}

interface PooledClient {
  _queryable?: boolean;
  _ending?: boolean;
  release?: (error?: Error) => void;
}

/**
 * Gives back to the pool every checked-out connection that can no longer send a query.
 *
 * Why: when a transaction's connection dies (a terminated backend, a restart), MikroORM 7 (through
 * kysely's controlled transactions) releases a connection only after a successful COMMIT or
 * ROLLBACK, so the dead one stays checked out for good; with a pool of one, every later query of
 * the app then waits forever. Releasing a dead client with an error makes pg-pool drop it and
 * open a fresh connection on the next request. Only clients node-postgres itself marks as no
 * longer queryable are touched; a pool without the bookkeeping this reads is left alone.
 */
export function releaseDeadClients(pool: unknown): number {
  const { _clients: clients, _idle: idle } = (pool ?? {}) as PoolInternals;
  if (!Array.isArray(clients) || !Array.isArray(idle)) return 0;
  let released = 0;
  for (const client of clients as PooledClient[]) {
    if (idle.some((item: { client?: unknown }) => item?.client === client)) continue;
    if (client._queryable !== false || typeof client.release !== 'function') continue;
    try {
      client.release(new Error('upshift: the connection was lost; releasing it so the pool can open another'));
      released++;
    } catch {
      // Already given back.
    }
  }
  return released;
}
