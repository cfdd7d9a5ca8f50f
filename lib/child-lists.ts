/**
 * The children of every revision of a graph, by list position, in two flat typed arrays (a
 * compressed sparse row layout): the children of revision i are
 * `list[first[i]] .. list[first[i + 1] - 1]`, in list order. Nothing is allocated per revision, so
 * building it stays linear however many revisions the bundle has. Built from each revision's
 * parents as positions (`parentsOf`), which the caller has resolved and checked.
 */
export class ChildLists {
  readonly #first: Int32Array;
  readonly #list: Int32Array;

  constructor(count: number, parentsOf: (i: number) => readonly number[]) {
    const first = new Int32Array(count + 1);
    let links = 0;
    for (let i = 0; i < count; i++) {
      for (const p of parentsOf(i)) first[p + 1]!++;
      links += parentsOf(i).length;
    }
    for (let i = 0; i < count; i++) first[i + 1]! += first[i]!;
    const list = new Int32Array(links);
    const next = first.slice(0, count);
    for (let i = 0; i < count; i++) for (const p of parentsOf(i)) list[next[p]!++] = i;
    this.#first = first;
    this.#list = list;
  }

  count(i: number): number {
    return this.#first[i + 1]! - this.#first[i]!;
  }

  /** Calls `visit` with each child of revision i. */
  forEach(i: number, visit: (child: number) => void): void {
    for (let k = this.#first[i]!; k < this.#first[i + 1]!; k++) visit(this.#list[k]!);
  }

  of(i: number): Int32Array {
    return this.#list.subarray(this.#first[i], this.#first[i + 1]);
  }
}
