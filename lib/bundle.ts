import type { Logger } from 'pino';
import { checksumOf, isCurrentFormat } from './checksum.ts';
import {
  declareEntries,
  isPlaceholder,
  loadDeclared,
  type DeclaredRevision,
  type RevisionEntry,
} from './lazy-revision.ts';
import type { Revision } from './revision.ts';
import { RevisionGraph } from './revision-graph.ts';
import { appliedDigest, type DigestedRow } from './state-row.ts';

/**
 * The revisions the app bundles, as a graph, and what a boot compares the database with. A
 * declared entry stands in the graph as a placeholder until its module is imported: a boot with
 * nothing to do never imports one. Everything else (something to run, a database that does not
 * match the declarations) calls load() first.
 */
export class Bundle {
  #graph: RevisionGraph;
  /** Declared revisions whose modules are not loaded yet. */
  #declared: DeclaredRevision[] = [];
  #loading: Promise<void> | undefined;
  #digests: { keys?: string; ids?: string } = {};

  /** Validates every entry and builds the graph: every error here comes before any statement. */
  constructor(entries: readonly RevisionEntry[]) {
    const { revisions, declared } = declareEntries(entries, 'revisions');
    this.#declared = declared;
    this.#graph = new RevisionGraph(revisions);
  }

  get graph(): RevisionGraph {
    return this.#graph;
  }

  /** Every revision, declared ones included (their transaction flag is declared too). */
  get revisions(): readonly Revision[] {
    return this.#graph.order;
  }

  /**
   * The digest the state row holds when the version table is exactly the bundle, unedited.
   * Until the modules are loaded, declared revisions count with their declared checksums (an
   * entry is a row as it is: id and checksum). The rows' order does not matter: the digest sorts.
   */
  digest(kind: 'keys' | 'ids'): string {
    let digest = this.#digests[kind];
    if (digest === undefined) {
      const rows: DigestedRow[] = this.#declared.map((d) => d.entry);
      for (const r of this.#graph.order) if (!isPlaceholder(r)) rows.push({ id: r.id, checksum: checksumOf(r) });
      digest = this.#digests[kind] = appliedDigest(rows, kind === 'keys');
    }
    return digest;
  }

  /**
   * Imports the declared revision modules, once, and puts them in the graph in place of their
   * placeholders. A module that cannot be imported, or declares another revision than its
   * entry, is an InvalidRevisionError before anything is written.
   */
  async load(logger: () => Logger): Promise<void> {
    if (this.#declared.length === 0) return;
    this.#loading ??= this.#loadDeclared(logger).finally(() => {
      this.#loading = undefined;
    });
    await this.#loading;
  }

  async #loadDeclared(logger: () => Logger): Promise<void> {
    const { revisions, stale } = await loadDeclared(this.#declared);
    this.#graph = new RevisionGraph(this.#graph.order.map((r) => revisions.get(r.id) ?? r));
    this.#declared = [];
    this.#digests = {};
    if (stale.length > 0) {
      const outdated = stale.every((s) => !isCurrentFormat(s.declared))
        ? ' (in an older checksum format: not an edit)'
        : '';
      logger().warn(
        { stale },
        `revisions/index.ts declares a checksum that is not its module's for ${stale.map((s) => s.id).join(', ')}${outdated}: ` +
          'until the entries are corrected, every boot imports the revision modules to compare them. check() from upshift/dev reports the values to declare.',
      );
    }
  }
}
