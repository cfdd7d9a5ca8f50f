import type { Database } from '../../database.ts';
import type { WaitState } from '../../progress.ts';

const BY_PID = 'select state, wait_event_type, wait_event from pg_stat_activity where pid = ?';
/** pg_stat_activity keeps a prefix of the text (track_activity_query_size): match on it. */
const BY_TEXT =
  'select state, wait_event_type, wait_event from pg_stat_activity ' +
  "where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle' " +
  'and length(query) > 0 and strpos(?, query) = 1 order by query_start limit 1';

/**
 * What the backend running a revision's statement waits for, read from another connection of the
 * pool: by its pid where the DDL guard learned it, else by the statement's text. For the heartbeat.
 */
export async function waitStateOf(
  db: Database,
  of: { pid: number } | { text: string },
): Promise<WaitState | undefined> {
  const [row] = await db.query<Record<string, unknown>>('pid' in of ? BY_PID : BY_TEXT, [
    'pid' in of ? of.pid : of.text,
  ]);
  if (!row) return undefined;
  return {
    state: String(row.state ?? ''),
    waitEventType: row.wait_event_type ? String(row.wait_event_type) : undefined,
    waitEvent: row.wait_event ? String(row.wait_event) : undefined,
  };
}
