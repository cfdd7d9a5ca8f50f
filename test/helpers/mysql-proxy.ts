import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between the app and MariaDB/MySQL that reads the client's command packets and can
 * cut one connection at its COMMIT: a real fault on a real server, no driver mocked.
 *
 * MySQL packets are a 3-byte little-endian length, a sequence number, then the payload. A command
 * starts a new exchange (sequence 0); COM_QUERY (0x03) carries its SQL text. The handshake and the
 * server's replies pass through untouched. Unencrypted and uncompressed connections only (mysql2's
 * default): anything else would not be read, only forwarded.
 */

const COM_QUERY = 0x03;
const HEADER = 4;

/** How a COMMIT is cut: before the server sees it (it rolls back), or after it committed, before the client hears so. */
export type CommitCut = 'before-commit' | 'after-commit';

export interface SeenQuery {
  /** The proxy's number for the client connection, in the order they opened. */
  connection: number;
  sql: string;
}

export interface CommitFault {
  /** The connection that sent `marker`: the next COMMIT it sends is cut. */
  marker: RegExp;
  cut: CommitCut;
}

export class MysqlProxy {
  readonly #server: Server;
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  /** Every COM_QUERY text the clients sent, in order. */
  readonly queries: SeenQuery[] = [];
  #fault: CommitFault | undefined;
  #drop: RegExp | undefined;
  #armed: number | undefined;
  #cut: { connection: number; cut: CommitCut } | undefined;
  #connections = 0;

  private constructor(server: Server, target: { host: string; port: number }) {
    this.#server = server;
    this.#target = target;
    server.on('connection', (client) => this.#pipe(client));
  }

  static async start(target = { host: '127.0.0.1', port: 3306 }): Promise<MysqlProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new MysqlProxy(server, target);
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** `url` (mysql://user@host:port/db) pointed at this proxy instead. */
  urlFor(url: string): string {
    const parsed = new URL(url);
    parsed.host = `127.0.0.1:${this.port}`;
    return parsed.toString();
  }

  /** Arms one cut: the first connection whose query matches `marker` has its next COMMIT cut. */
  cutCommitAfter(fault: CommitFault): void {
    this.#fault = fault;
    this.#armed = undefined;
  }

  /**
   * Arms one cut: the first query that matches `marker` never reaches the server, and its
   * connection is reset, as a pooled connection that died while idle fails the next query sent on it.
   */
  dropQuery(marker: RegExp): void {
    this.#drop = marker;
  }

  /** What was cut: which connection, and how (undefined when nothing was). */
  get cut(): { connection: number; cut: CommitCut } | undefined {
    return this.#cut;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #pipe(client: Socket): void {
    const id = ++this.#connections;
    const server = createConnection(this.#target);
    this.#sockets.add(client).add(server);
    let pending = Buffer.alloc(0);
    /** After a COMMIT forwarded for an after-commit cut: the server's reply ends the connection instead. */
    let swallowReply = false;
    const cutBoth = () => {
      client.resetAndDestroy();
      server.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      let offset = 0;
      while (pending.length - offset >= HEADER) {
        const length = pending.readUIntLE(offset, 3);
        const end = offset + HEADER + length;
        if (pending.length < end) break;
        const sequence = pending[offset + 3];
        const payload = pending.subarray(offset + HEADER, end);
        if (sequence === 0 && payload[0] === COM_QUERY) {
          const sql = payload.subarray(1).toString('utf8');
          this.queries.push({ connection: id, sql });
          if (this.#drop?.test(sql)) {
            this.#drop = undefined;
            server.write(pending.subarray(0, offset));
            cutBoth();
            return;
          }
          const fault = this.#fault;
          if (fault && this.#armed === undefined && fault.marker.test(sql)) this.#armed = id;
          if (fault && this.#armed === id && /^\s*commit\b/i.test(sql)) {
            this.#fault = undefined;
            this.#cut = { connection: id, cut: fault.cut };
            if (fault.cut === 'before-commit') {
              server.write(pending.subarray(0, offset));
              cutBoth();
              return;
            }
            swallowReply = true;
          }
        }
        offset = end;
      }
      server.write(pending.subarray(0, offset));
      pending = pending.subarray(offset);
    });
    server.on('data', (chunk: Buffer) => {
      if (swallowReply) cutBoth();
      else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      server.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(server);
    };
    client.on('close', end).on('error', end);
    server.on('close', end).on('error', end);
  }
}
