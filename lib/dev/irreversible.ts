/**
 * Why a generated revision cannot have a down(), or undefined when it can. A down() that does
 * not undo the up() is worse than none: downgrade() would report success and leave the change.
 * Such a revision is written without down(), so that downgrade() through it throws
 * IrreversibleRevisionError, with a comment saying why.
 */
export function irreversibleReason(
  dialect: 'postgresql' | 'sqlite' | 'mariadb',
  up: readonly string[],
  down: readonly string[],
): string | undefined {
  if (dialect === 'postgresql') {
    const added = up.find((s) => /^alter\s+type\s+\S+(?:\s*\.\s*\S+)?\s+add\s+value\b/i.test(s));
    if (added) return `PostgreSQL cannot remove a value from an enum type, so nothing undoes "${added}"`;
  }
  if (up.length > 0 && down.length === 0)
    return `MikroORM found nothing to undo "${up[0]}"${up.length > 1 ? ' and the rest' : ''}`;
  return undefined;
}
