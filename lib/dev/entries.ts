import { declareRevision, isLazyEntry, loadDeclared, type DeclaredRevision, type LazyRevision } from '../lazy-revision.ts';
import { validateRevision, type Revision } from '../revision.ts';
import { StaleDeclarationError } from './errors.ts';

/**
 * The bundle's entries as revisions, declared modules loaded. Where the runtime only warns about
 * a stale declared checksum (its boots get slower, not wrong), development refuses it: this is
 * where an edit of a written revision is caught, before it is committed.
 */
export async function resolveEntries(operation: string, list: readonly unknown[], where: string): Promise<Revision[]> {
  const declared: DeclaredRevision[] = [];
  const revisions = list.map((entry, i) => {
    if (!isLazyEntry(entry)) return validateRevision(entry, `${where}[${i}]`);
    const d = declareRevision(entry as LazyRevision, `${where}[${i}]`);
    declared.push(d);
    return d.placeholder;
  });
  if (declared.length === 0) return revisions;
  const loaded = await loadDeclared(declared);
  if (loaded.stale.length > 0) throw new StaleDeclarationError(operation, loaded.stale);
  return revisions.map((r) => loaded.revisions.get(r.id) ?? r);
}
