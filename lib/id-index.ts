/**
 * Revision id → number, for the revision graph. A plain Map, split into several once it would
 * hold more than SHARD entries, so that building the graph stays linear in the number of
 * revisions: past a few thousand entries, each insert into one growing V8 Map costs several times
 * more (bench/5-large-history records it). Each part stays small; which part holds an id is decided by its last two characters
 * (cheap, and spread enough for random hex ids and for numbered ones; a skewed set of ids only
 * makes one part larger, never a lookup wrong).
 */
const SHARD = 2048;

export class IdIndex {
  readonly #parts: Map<string, number>[];
  readonly #mask: number;

  /** `expected`: about how many ids will be set (it only sizes the split). */
  constructor(expected: number) {
    let parts = 1;
    while (parts * SHARD < expected) parts *= 2;
    this.#parts = Array.from({ length: parts }, () => new Map<string, number>());
    this.#mask = parts - 1;
  }

  get(id: string): number | undefined {
    return this.#part(id).get(id);
  }

  has(id: string): boolean {
    return this.#part(id).has(id);
  }

  set(id: string, value: number): void {
    this.#part(id).set(id, value);
  }

  #part(id: string): Map<string, number> {
    if (this.#mask === 0) return this.#parts[0]!;
    const n = id.length;
    // Revision ids are 4 to 64 characters (REVISION_ID), so both characters exist.
    return this.#parts[(id.charCodeAt(n - 1) * 31 + id.charCodeAt(n - 2)) & this.#mask]!;
  }
}
