import { sha256Hex } from './crypto.ts';
import type { Revision } from './revision.ts';

/**
 * Checksums are prefixed with their format version: a future change of what is hashed can then
 * recompute old rows instead of reporting every revision as edited (Liquibase's lesson).
 */
const FORMAT = 'v1';
const cache = new WeakMap<Revision, string>();

/**
 * A checksum of what a revision does: id, parents, and the source text of up and down. Line
 * endings and trailing whitespace are ignored, so a checkout with CRLF or an editor's whitespace
 * clean-up does not read as an edit (Prisma's lesson).
 */
export function checksumOf(revision: Revision): string {
  let sum = cache.get(revision);
  if (sum === undefined) {
    const text = [revision.id, revision.parents.join(' '), source(revision.up), source(revision.down)].join('\n\u0000\n');
    sum = `${FORMAT}:${sha256Hex(text)}`;
    cache.set(revision, sum);
  }
  return sum;
}

function source(fn: ((...args: never[]) => unknown) | undefined): string {
  if (!fn) return '';
  return fn
    .toString()
    .split(/\r\n|\r|\n/)
    .map((line) => line.trimEnd())
    .join('\n')
    .trimEnd();
}
