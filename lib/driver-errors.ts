import { UpshiftError } from './errors/base.ts';
import { DatabaseError } from './errors/run.ts';

/**
 * What a driver's error means for the caller, from its SQLSTATE (PostgreSQL), its SQLITE_* code
 * (better-sqlite3), its code or message (mysql2, MariaDB/MySQL) or Node's socket codes: one place
 * that knows the drivers' vocabularies, so every typed error upshift builds around one says the
 * same thing about it.
 */

export type DriverFailure =
  /** The connection is gone: killed, restarted server, network, a pool or ORM closed under us. */
  | 'connection'
  /** SQLite: the file, or its folder, cannot be written by this process. */
  | 'read-only'
  /** SQLite: the file was deleted or replaced while open. */
  | 'moved'
  /** SQLite: another connection holds the lock the statement needs. */
  | 'busy'
  | 'other';

const PG_CONNECTION_CLASSES = ['08', '57P'];
const SOCKET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ECONNABORTED',
]);
/**
 * mysql2's code for a connection whose socket closed, and MariaDB/MySQL's for a connection the
 * server ended (KILL, shutdown).
 */
const MYSQL_CONNECTION_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'ER_CONNECTION_KILLED', 'ER_SERVER_SHUTDOWN']);
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /terminating connection/i,
  /connection (?:error|is closed|ended)/i,
  /Client has encountered a connection error/i,
  /Cannot use a pool after calling end/i,
  /driver has already been destroyed/i,
  /The database connection is not open/i,
  // mysql2, on a connection it already saw die: no code, only these.
  /Can't add new command when connection is in closed state/i,
  /Can't write in closed state/i,
];

export function classify(error: unknown): DriverFailure {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_READONLY_DBMOVED') return 'moved';
  if (code.startsWith('SQLITE_READONLY') || /attempt to write a readonly database/i.test(message)) return 'read-only';
  if (
    code === 'SQLITE_BUSY' ||
    code === 'SQLITE_LOCKED' ||
    code.startsWith('SQLITE_BUSY_') ||
    /database is locked/i.test(message)
  )
    return 'busy';
  if (
    PG_CONNECTION_CLASSES.some((prefix) => code.startsWith(prefix)) ||
    SOCKET_CODES.has(code) ||
    MYSQL_CONNECTION_CODES.has(code)
  )
    return 'connection';
  if (CONNECTION_MESSAGES.some((pattern) => pattern.test(message))) return 'connection';
  return 'other';
}

/** One sentence on what the failure usually means and what to do, for a typed error's message. */
export function hintFor(failure: DriverFailure): string {
  switch (failure) {
    case 'connection':
      return 'The connection to the database was lost (a restarted or unreachable server, a killed backend, or the ORM closed while upshift ran).';
    case 'read-only':
      return 'The database file, or the folder that holds it (SQLite writes a journal beside it), is read-only for this process: make both writable.';
    case 'moved':
      return 'The database file was deleted or replaced while the connection had it open: open the ORM on the file again.';
    case 'busy':
      return "Another connection holds the database's lock (a writer, or in rollback-journal mode a long read): let it finish, or raise the app's busy_timeout.";
    default:
      return '';
  }
}

/** The driver's own words, with its code. */
export function describeDriverError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' && !message.includes(code) ? `${message} (${code})` : message;
}

/**
 * The typed error for a failure of upshift's own work: an UpshiftError passes through as it is;
 * anything else becomes a DatabaseError that says what upshift was doing and what that means.
 */
export function asUpshiftError(operation: string, doing: string, error: unknown, revisionId?: string): UpshiftError {
  if (error instanceof UpshiftError) return error;
  const hint = hintFor(classify(error));
  return new DatabaseError(
    operation,
    `${operation}() failed while ${doing}: ${describeDriverError(error)}.${hint ? ` ${hint}` : ''}`,
    error,
    revisionId,
  );
}

/** A public call's promise: whatever fails inside, the caller gets an UpshiftError. */
export async function typed<T>(operation: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw asUpshiftError(operation, 'talking to the database', error);
  }
}
