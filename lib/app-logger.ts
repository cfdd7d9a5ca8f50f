import type { BaseLogger, Bindings, ChildLoggerOptions } from 'pino';

/**
 * The logger an app may pass: pino's level methods and `child()`, which is all upshift calls.
 * pino's `Logger` is one, and so is Fastify 5's `app.log` (FastifyBaseLogger: a Pick of pino's
 * BaseLogger with a `child()` that returns its own type), without a cast.
 */
export interface AppLogger extends Pick<BaseLogger, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'> {
  child(bindings: Bindings, options?: ChildLoggerOptions): AppLogger;
}
