/** Statements that change no schema: rows only (DML), or reads. Anything else may hide DDL (CALL, EXECUTE, ...). */
const ROWS_ONLY = /^\s*\(?\s*(insert|update|delete|replace|select|with|values|table|show|describe|desc|explain)\b/i;

export function changesRowsOnly(sql: string): boolean {
  return ROWS_ONLY.test(sql);
}

/**
 * The schema's fingerprint that a DDL statement's progress mark needs, read ahead of it: right
 * after the statement before it that could change the schema has finished, on a connection other
 * than the one the revision runs on (the lock's own, idle while units run), so that the server
 * reads it while the revision's DML, progress writes and COMMITs go on. Only upshift, under its
 * lock, changes the schema meanwhile, and it does so only through the DDL statements that take
 * this fingerprint; so the one read ahead is the schema just before the next DDL statement,
 * exactly what reading it then would give. Whenever that is not sure (a statement that is not
 * plain DML or a read, which could run DDL unseen; ctx.em; a read that failed), it is forgotten
 * and the next DDL statement reads the fingerprint itself, on its own connection, as before.
 */
export class SchemaAhead {
  readonly #read: () => Promise<string>;
  #pending: Promise<string> | undefined;

  constructor(read: () => Promise<string>) {
    this.#read = read;
  }

  /** After a statement that may have changed the schema has finished: reads what it left. */
  refresh(): void {
    const pending = this.#read();
    // Never an unhandled rejection: take() falls back to reading the fingerprint itself.
    pending.catch(() => undefined);
    this.#pending = pending;
  }

  /** Something may have changed the schema unseen: the fingerprint read ahead is not trusted. */
  forget(): void {
    this.#pending = undefined;
  }

  /** The schema's fingerprint now, before a DDL statement: the one read ahead, else `readNow()`. */
  async take(readNow: () => Promise<string>): Promise<string> {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending !== undefined) {
      try {
        return await pending;
      } catch {
        // The lock's connection failed it: read on the revision's own connection.
      }
    }
    return readNow();
  }

  /** Waits for a read still under way (before the lock's connection is released). */
  async settle(): Promise<void> {
    await this.#pending?.catch(() => undefined);
  }
}
