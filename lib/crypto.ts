/**
 * node:crypto, loaded on first use instead of when upshift is imported: loading it costs more
 * than the rest of upshift together (bench/7-import-cost).
 * A PostgreSQL app has usually loaded it already (node-postgres does, for SCRAM), and nothing is
 * hashed until the first upgrade(); process.getBuiltinModule keeps that first use synchronous.
 */
type NodeCrypto = typeof import('node:crypto');

let loaded: NodeCrypto | undefined;

function crypto(): NodeCrypto {
  return (loaded ??= process.getBuiltinModule('node:crypto') as NodeCrypto);
}

/** sha256 of `text` as lowercase hex. */
export function sha256Hex(text: string): string {
  return crypto().createHash('sha256').update(text).digest('hex');
}

/** The first 8 bytes of sha256 of `text`, as a signed 64-bit integer. */
export function sha256Int64(text: string): bigint {
  return crypto().createHash('sha256').update(text).digest().readBigInt64BE(0);
}

export function randomBytes(size: number): Buffer {
  return crypto().randomBytes(size);
}
