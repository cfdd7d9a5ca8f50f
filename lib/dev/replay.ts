import { RevisionFailedError } from '../errors.ts';
import { validateRevision, type RevisionContext } from '../revision.ts';
import type { Shadow } from './shadow.ts';

/** Where a replay stopped: the statement and what the database said. */
export interface ReplayFailure {
  statement: string;
  reason: string;
  error: unknown;
}

/**
 * Runs generated statements in the shadow database the way the runner will run the revision:
 * one transaction, foreign keys off when the revision will declare it (and then checked before
 * COMMIT). Returns where it failed, or undefined; a failure rolls the shadow back.
 */
export async function replay(
  shadow: Shadow,
  statements: readonly string[],
  disableForeignKeys: boolean,
): Promise<ReplayFailure | undefined> {
  if (statements.length === 0) return undefined;
  let failed: ReplayFailure | undefined;
  const candidate = validateRevision(
    {
      id: 'upshift_generated',
      parents: [],
      disableForeignKeys,
      async up({ sql }: RevisionContext) {
        for (const statement of statements) {
          try {
            await sql(statement);
          } catch (error) {
            failed = { statement, reason: reasonOf(error), error };
            throw error;
          }
        }
      },
    },
    'revision()',
  );
  try {
    await shadow.step(candidate, 'up');
    return undefined;
  } catch (error) {
    if (failed) return failed;
    // Every statement ran: the foreign key check before COMMIT, or the COMMIT, failed.
    const cause = error instanceof RevisionFailedError ? error.cause : error;
    return { statement: '(the check before COMMIT)', reason: reasonOf(cause), error: cause };
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
