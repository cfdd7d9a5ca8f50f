/** What upshift touches of mysql2's (callback) pool internals; absent fields mean nothing to do. */
interface PoolInternals {
  _allConnections?: { length: number; get(i: number): BrokenCandidate };
  _removeConnection?(connection: BrokenCandidate): void;
}

interface BrokenCandidate {
  _fatalError?: unknown;
  stream?: { destroyed?: boolean };
}

/**
 * After a ROLLBACK that failed on a dead connection (KILLed, the server gone): mysql2 takes a
 * connection out of its pool when it sees it end or fail, but one checked out and never told (its
 * socket destroyed without an error event) would stay counted, and orm.close() would wait for it.
 * Every connection whose socket is gone or that saw a fatal error is removed from the pool here.
 */
export function releaseBrokenConnections(pool: unknown): void {
  const internals = pool as PoolInternals | undefined;
  const all = internals?._allConnections;
  if (!all || typeof internals._removeConnection !== 'function') return;
  const broken: BrokenCandidate[] = [];
  for (let i = 0; i < all.length; i++) {
    const connection = all.get(i);
    if (connection?._fatalError || connection?.stream?.destroyed) broken.push(connection);
  }
  for (const connection of broken) internals._removeConnection(connection);
}
