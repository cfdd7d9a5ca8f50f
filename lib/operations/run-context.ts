import type { HeldLock } from '../dialect/dialect.ts';
import type { RunContext } from '../runner.ts';
import type { Runtime } from '../runtime.ts';

/** What runPlan needs from the runtime and the held lock, built in one place for every operation. */
export function runContext(rt: Runtime, lock: HeldLock, operation: 'upgrade' | 'downgrade'): RunContext {
  return {
    db: rt.db,
    graph: rt.bundle.graph,
    lock,
    logger: rt.logger,
    dialect: rt.dialect.name,
    ddl: rt.dialect.ddlGuard && { guard: rt.dialect.ddlGuard(rt.logger), options: rt.options.ddl },
    schema: rt.options.searchPath?.[0],
    mode: rt.options.transaction,
    operation,
  };
}
