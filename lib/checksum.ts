import { canonicalSource } from './canonical-source.ts';
import { sha256Hex } from './crypto.ts';
import type { Revision } from './revision.ts';

/**
 * Checksums are prefixed with their format version, so a change of what is hashed never reports
 * every revision as edited (Liquibase's lesson): a recorded checksum of another format is not
 * compared. v1 hashed the source text as the runtime printed it, which differed between Node's
 * type stripping, tsc and esbuild; v2 hashes its canonical form.
 */
const FORMAT = 'v2';
const cache = new WeakMap<Revision, string>();

/** Whether a recorded checksum was computed the way checksumOf() computes one today. */
export function isCurrentFormat(checksum: string): boolean {
  return checksum.startsWith(`${FORMAT}:`);
}

/**
 * A checksum of what a revision does: id, parents, and the canonical source of up and down.
 * Formatting, comments and what compilers change are ignored (see canonicalSource), so a checkout
 * with CRLF, an editor's clean-up or running compiled code does not read as an edit.
 */
export function checksumOf(revision: Revision): string {
  let sum = cache.get(revision);
  if (sum === undefined) {
    const text = [revision.id, revision.parents.join(' '), source(revision.up), source(revision.down)].join(
      '\n\u0000\n',
    );
    sum = `${FORMAT}:${sha256Hex(text)}`;
    cache.set(revision, sum);
  }
  return sum;
}

function source(fn: ((...args: never[]) => unknown) | undefined): string {
  return fn ? canonicalSource(fn.toString()) : '';
}
