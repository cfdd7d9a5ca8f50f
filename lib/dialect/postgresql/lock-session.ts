import { within } from '../../deadline.ts';
import { instanceName } from '../../instance.ts';
import { quoteLiteral } from '../dialect.ts';

/** The subset of node-postgres that upshift's reads and lock need. */
export interface PgClient {
  connect(): Promise<void>;
  query<R = Record<string, unknown>>(
    query: string | { name: string; text: string },
    params?: unknown[],
  ): Promise<{ rows: R[] }>;
  end(): Promise<void>;
  on(event: 'error' | 'end', listener: (error?: Error) => void): void;
  on(event: 'notification', listener: (message?: { channel: string }) => void): void;
  removeListener(event: 'error' | 'end' | 'notification', listener: (...args: never[]) => void): void;
}

/** A client checked out of a pg Pool: release(true) destroys it instead of giving it back. */
interface PgPoolClient extends PgClient {
  release(destroy?: boolean): void;
}

/** The parts of a pg Pool a lock session uses. */
export interface PgLockPool {
  options: Record<string, unknown> & { max?: number };
  Client: new (options: Record<string, unknown>) => PgClient;
  connect(): Promise<PgPoolClient>;
}

/**
 * The connection that holds upshift's session advisory lock, kept out of everyone else's hands
 * until the lock is released: a session lock on a connection that others may use would be
 * released, or held on, by whatever they run next.
 *
 * Preferably a connection checked out of the app's pool. A waiting replica then needs no
 * connection beyond the one its boot read already opened: when many replicas boot at once,
 * every extra connection is a server process to start, on the path everyone waits on
 * (bench/4-concurrent), and a slot of the server's max_connections. Checked out, the
 * connection is named for DBAs like a connection of upshift's own, and given back as it was.
 *
 * A connection of its own when the pool holds a single connection: checking that one out would
 * leave none for the revisions' transactions, which would wait for it forever.
 */
export interface LockSession {
  readonly client: PgClient;
  /** Statements for the first round trip on the connection (each ends with "; "). */
  readonly setup: string;
  /** Statements that put the connection back as it was, besides UNLISTEN; '' for its own connection. */
  readonly cleanup: string;
  /** Gives the connection back, or ends it; `broken`: its state is unknown, so it is closed. */
  close(broken: boolean): void;
}

// Until the lock listens for them, an error of an idle connection must not be an unhandled
// 'error' event, which would end the app (pg-pool leaves a checked-out client without a listener).
const ignoreError = () => undefined;

/** `waitMs`: how long to wait for a connection of the pool, or for a new one to open. */
export async function openLockSession(pool: PgLockPool, waitMs: number): Promise<LockSession> {
  const tooLong = () => new Error(`could not get a connection for the lock within ${waitMs} ms`);
  if ((pool.options.max ?? 10) >= 2) {
    const client = await within(pool.connect(), waitMs, tooLong, (late) => late.release());
    client.on('error', ignoreError);
    return {
      client,
      setup: `set application_name = ${quoteLiteral(instanceName())}; `,
      cleanup: 'reset application_name',
      close: (broken) => {
        client.removeListener('error', ignoreError);
        client.release(broken);
      },
    };
  }
  const client = new pool.Client({ ...pool.options, application_name: instanceName() });
  client.on('error', ignoreError);
  try {
    await within(client.connect(), waitMs, tooLong, () => client.end());
  } catch (error) {
    client.end().catch(() => undefined);
    throw error;
  }
  return {
    client,
    setup: '',
    cleanup: '',
    // Not awaited: the server ends the session (and any lock left) on Terminate; waiting for the
    // socket to close only delays a replica that boots with many others (bench/4-concurrent).
    close: () => void client.end().catch(() => undefined),
  };
}
