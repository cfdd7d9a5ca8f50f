import { UpshiftError } from './base.ts';

/** Facts about the process that holds the migration lock, as far as the database tells them. */
export interface LockHolder {
  pid?: number;
  applicationName?: string;
  clientAddress?: string | null;
  since?: Date;
}

export function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return 'the holder is unknown (it may have just released the lock)';
  const parts: string[] = [];
  if (holder.pid !== undefined) parts.push(`backend pid ${holder.pid}`);
  if (holder.applicationName) parts.push(`application_name "${holder.applicationName}"`);
  if (holder.clientAddress !== undefined) parts.push(`client ${holder.clientAddress ?? 'local socket'}`);
  if (holder.since) parts.push(`since ${holder.since.toISOString()}`);
  return parts.length ? `held by ${parts.join(', ')}` : 'held by another connection';
}

/** Another instance held the migration lock for longer than `lock.timeoutMs`. */
export class LockTimeoutError extends UpshiftError {
  readonly timeoutMs: number;
  readonly holder: LockHolder | undefined;
  constructor(timeoutMs: number, holder: LockHolder | undefined, what: string) {
    super(
      'UPSHIFT_LOCK_TIMEOUT',
      `Timed out after ${timeoutMs} ms waiting for the ${what}; ${describeHolder(holder)}. ` +
        'Another instance is probably still migrating: raise lock.timeoutMs if its revisions are long, or inspect that process.',
    );
    this.timeoutMs = timeoutMs;
    this.holder = holder;
  }
}

/** The lock connection died while upshift was migrating: it stopped rather than go on unlocked. */
export class LockLostError extends UpshiftError {
  constructor(detail: string, cause?: unknown) {
    super(
      'UPSHIFT_LOCK_LOST',
      `The migration lock was lost (${detail}); upshift stopped before the next revision. The database is at a revision boundary: call upgrade() again.`,
      { cause },
    );
  }
}
