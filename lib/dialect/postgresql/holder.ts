import type { LockHolder } from '../../errors.ts';

/** pg_locks shows a bigint advisory key as two unsigned 32-bit halves (classid, objid). */
function keyHalves(key: bigint): { classid: string; objid: string } {
  const unsigned = BigInt.asUintN(64, key);
  return { classid: (unsigned >> 32n).toString(), objid: (unsigned & 0xffffffffn).toString() };
}

type Query = <R>(text: string, params: unknown[]) => Promise<R[]>;

/**
 * Who holds the advisory lock, from pg_locks joined with pg_stat_activity. Session and
 * transaction advisory locks on one key conflict, so this finds a holder in either mode. Since
 * when: a transaction-scoped holder's xact_start; a session holder's lock connection is idle
 * outside a transaction, and its last query (query_start) is the one that took the lock.
 */
export async function advisoryHolder(query: Query, key: bigint): Promise<LockHolder | undefined> {
  const { classid, objid } = keyHalves(key);
  const rows = await query<{
    pid: number;
    application_name: string;
    client_addr: string | null;
    since: string | Date | null;
  }>(
    'select a.pid, a.application_name, host(a.client_addr) as client_addr, coalesce(a.xact_start, a.query_start) as since ' +
      'from pg_locks l join pg_stat_activity a on a.pid = l.pid ' +
      "where l.locktype = 'advisory' and l.granted and l.classid = $1::oid and l.objid = $2::oid and l.objsubid = 1 and l.pid <> pg_backend_pid()",
    [classid, objid],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    pid: row.pid,
    applicationName: row.application_name,
    clientAddress: row.client_addr,
    since: row.since ? new Date(row.since) : undefined,
  };
}
