import { checksumOf } from './checksum.ts';
import { InvalidRevisionError } from './errors.ts';
import { describeValue, validateRevision, type Revision } from './revision.ts';

/**
 * A bundle entry that declares a revision and imports its module only when needed. Node's ESM
 * loader pays per module, whatever its size, so a bundle of hundreds of static imports slows every
 * boot for revisions that a no-op boot never runs (bench/2-boot-process). The
 * entry declares what the boot path needs (the graph and the checksums); upshift/dev writes it
 * next to the module and check() proves the two agree.
 */
export interface LazyRevision {
  readonly id: string;
  readonly parents: readonly string[];
  /** As in the module: it breaks ties in the topological order before the module is loaded. */
  readonly createdAt: string;
  /** Default true; must match the module's. */
  readonly transaction?: boolean;
  /** As in the module: the revisions a squashed revision stands for. */
  readonly replaces?: readonly string[];
  /** The module's checksum as upshift/dev computed it: what a no-op boot compares. */
  readonly checksum: string;
  /** `() => import('./<id>_<slug>.ts')`: the module's default export is the revision. */
  readonly load: () => Promise<unknown>;
}

/** What `revisions` holds: revisions imported eagerly, or declared and loaded when needed. */
export type RevisionEntry = Revision | LazyRevision;

/** A declared revision with its placeholder, which stands in the graph until the module is loaded. */
export interface DeclaredRevision {
  readonly entry: LazyRevision;
  readonly placeholder: Revision;
  readonly where: string;
}

/** Any format upshift has written: an entry from an older format is merely stale, not invalid. */
const CHECKSUM = /^v[0-9]+:[0-9a-f]{64}$/;

export function isLazyEntry(input: unknown): boolean {
  return typeof input === 'object' && input !== null && typeof (input as { load?: unknown }).load === 'function';
}

/**
 * Validates a lazy entry and makes its placeholder: the revision as the graph sees it, whose up
 * and down refuse to run, since only a loaded module may (a guard against a path that forgot to
 * load, not something a user can reach).
 */
export function declareRevision(input: LazyRevision, where: string): DeclaredRevision {
  const e = input as unknown as Record<string, unknown>;
  if (typeof e.checksum !== 'string' || !CHECKSUM.test(e.checksum)) {
    throw new InvalidRevisionError(
      `${where}: checksum ${describeValue(e.checksum)} is not one upshift writes (like "v2:" and 64 hex digits). ` +
        'Copy the value that check() from upshift/dev reports for this revision, or import the module instead of declaring it.',
      typeof e.id === 'string' ? e.id : undefined,
    );
  }
  // Only the fields a placeholder has: copying the whole entry (its load(), its checksum) cost
  // more than validating it.
  const revision = validateRevision(
    {
      id: e.id,
      parents: e.parents,
      createdAt: e.createdAt,
      transaction: e.transaction,
      replaces: e.replaces,
      up: notLoaded,
      down: notLoaded,
      message: '',
    },
    where,
  );
  if (typeof e.createdAt !== 'string')
    throw new InvalidRevisionError(
      `${where}: a declared revision must give its createdAt, as its module does.`,
      revision.id,
    );
  return { entry: input, placeholder: revision, where };
}

/**
 * The bundle's entries as the graph sees them before any module is imported: revisions
 * validated, declared entries as placeholders (listed in `declared`, in order). `where` names the
 * list in messages ("revisions").
 */
export function declareEntries(
  entries: readonly unknown[],
  where: string,
): { revisions: Revision[]; declared: DeclaredRevision[] } {
  const declared: DeclaredRevision[] = [];
  const revisions = entries.map((entry, i) => {
    if (!isLazyEntry(entry)) return validateRevision(entry, `${where}[${i}]`);
    const d = declareRevision(entry as LazyRevision, `${where}[${i}]`);
    declared.push(d);
    return d.placeholder;
  });
  return { revisions, declared };
}

/** The result of loading the declared modules: the revisions, and whose declared checksum is stale. */
export interface LoadedRevisions {
  readonly revisions: Map<string, Revision>;
  /** Declared checksum ≠ the module's: the no-op boot cannot trust the declaration. */
  readonly stale: { id: string; declared: string; actual: string }[];
}

/**
 * Imports every declared module and checks it against its declaration. Throws
 * InvalidRevisionError, before anything runs, when a module cannot be imported or declares a
 * different revision (id, parents, createdAt, transaction): the graph was built from the entry.
 */
export async function loadDeclared(declared: readonly DeclaredRevision[]): Promise<LoadedRevisions> {
  const modules = await Promise.all(
    declared.map(async ({ entry, where }) => {
      try {
        return await entry.load();
      } catch (error) {
        throw new InvalidRevisionError(
          `${where}: revision "${entry.id}" could not be loaded: ${(error as Error)?.message ?? String(error)}. Fix the path in load() or the module it names.`,
          entry.id,
        );
      }
    }),
  );
  const revisions = new Map<string, Revision>();
  const stale: LoadedRevisions['stale'] = [];
  declared.forEach(({ placeholder, entry, where }, i) => {
    const exported = modules[i] as { default?: unknown } | null;
    const revision = validateRevision(
      exported !== null && typeof exported === 'object' && 'default' in exported ? exported.default : exported,
      `${where} (loaded)`,
    );
    const differs = declarationDiffers(placeholder, revision);
    if (differs) {
      throw new InvalidRevisionError(
        `${where}: the entry declares revision "${placeholder.id}" with ${differs} ${describeValue(declaredField(placeholder, differs))}, but its module has ${describeValue(declaredField(revision, differs))}. ` +
          'Make the entry match the module (upshift/dev writes both; check() compares them).',
        placeholder.id,
      );
    }
    const actual = checksumOf(revision);
    if (actual !== entry.checksum) stale.push({ id: revision.id, declared: entry.checksum, actual });
    revisions.set(revision.id, revision);
  });
  return { revisions, stale };
}

type DeclaredField = 'id' | 'parents' | 'createdAt' | 'transaction' | 'replaces';

function declarationDiffers(declared: Revision, loaded: Revision): DeclaredField | undefined {
  if (declared.id !== loaded.id) return 'id';
  if (declared.parents.join(' ') !== loaded.parents.join(' ')) return 'parents';
  if (declared.createdAt !== loaded.createdAt) return 'createdAt';
  if (declared.transaction !== loaded.transaction) return 'transaction';
  if ((declared.replaces ?? []).join(' ') !== (loaded.replaces ?? []).join(' ')) return 'replaces';
  return undefined;
}

function declaredField(revision: Revision, field: DeclaredField): unknown {
  if (field === 'replaces') return (revision.replaces ?? []).join(', ');
  return field === 'parents' ? [...revision.parents].join(', ') : revision[field];
}

/** Whether `revision` is a declared revision's placeholder, standing in for a module not loaded yet. */
export function isPlaceholder(revision: Revision): boolean {
  return revision.up === notLoaded;
}

function notLoaded(): never {
  throw new Error(
    'upshift: a declared revision ran before its module was loaded; this is a bug in upshift, please report it.',
  );
}
