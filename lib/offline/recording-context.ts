import type { Logger } from 'pino';
import { OfflineUnsupportedError } from '../errors.ts';
import type { RevisionContext } from '../revision.ts';
import { inlineParams, type SqlFlavor } from './inline.ts';

/**
 * A revision context that records statements instead of sending them: nothing reaches a database.
 * What `ctx.sql` resolves to throws OfflineUnsupportedError on any read, and so does `ctx.em`:
 * a revision whose statements depend on an answer cannot be written down ahead of time.
 */
export function recordingContext(
  revisionId: string,
  flavor: SqlFlavor,
  logger: Logger,
  statements: string[],
): RevisionContext {
  const refuse = (what: string): never => {
    throw new OfflineUnsupportedError(revisionId, what);
  };
  const noRows = new Proxy([] as unknown[], {
    get(_target, key) {
      // A promise resolving to this value asks for `then`: it is not a thenable.
      if (key === 'then') return undefined;
      return refuse('reads the rows a query returns (ctx.sql(...) result)');
    },
  });
  return {
    sql: async <Row>(text: string, params: readonly unknown[] = []) => {
      try {
        statements.push(inlineParams(text, params, flavor));
      } catch (error) {
        refuse(`sends a statement whose parameters cannot be written into it (${(error as Error).message})`);
      }
      return noRows as Row[];
    },
    get em(): never {
      return refuse('uses ctx.em (the EntityManager needs a live connection)');
    },
    logger: logger.child({ revision: revisionId }),
    dialect: flavor,
  };
}
