import { declareEntries, loadDeclared } from '../lazy-revision.ts';
import type { Revision } from '../revision.ts';
import { StaleDeclarationError } from './errors.ts';

/**
 * The bundle's entries as revisions, declared modules loaded. Where the runtime only warns about
 * a stale declared checksum (its boots get slower, not wrong), development refuses it: this is
 * where an edit of a written revision is caught, before it is committed.
 */
export async function resolveEntries(operation: string, list: readonly unknown[], where: string): Promise<Revision[]> {
  const { revisions, declared } = declareEntries(list, where);
  if (declared.length === 0) return revisions;
  const loaded = await loadDeclared(declared);
  if (loaded.stale.length > 0) throw new StaleDeclarationError(operation, loaded.stale);
  return revisions.map((r) => loaded.revisions.get(r.id) ?? r);
}
