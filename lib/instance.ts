import { hostname } from 'node:os';

/**
 * How this process names itself in the version table (applied_by) and, on PostgreSQL, in
 * pg_stat_activity.application_name, so a DBA looking at a held lock sees which host and pid.
 * PostgreSQL keeps 63 bytes of an application_name.
 */
export function instanceName(): string {
  name ??= `upshift ${hostname()} pid ${process.pid}`.slice(0, 63);
  return name;
}

let name: string | undefined;
