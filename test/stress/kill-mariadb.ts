/**
 * The MariaDB part of the kill test, on the bare modules: each boot a real process taking
 * upshift's GET_LOCK and applying revisions of DDL and DML statements (each DDL commits on its
 * own) through the resumable runner (test/fixtures/mariadb-ddl-worker.ts), killed between two
 * statements or inside one (the loop: kill-rounds.ts). These revisions are all resumable, so a
 * typed resume refusal is counted but never expected.
 */
import { type KillFigures, killRounds } from './kill-rounds.ts';

export function killMariadb(rounds: number, revisions = 3): Promise<KillFigures> {
  return killRounds(
    {
      worker: 'mariadb-ddl-worker.ts',
      env: () => ({}),
      // Right after a statement that is not a revision's last one, plus a few milliseconds: the
      // kill lands between two statements or inside the next, never after the whole run, however
      // fast this machine's DDL is.
      cutWithin: 5,
      jitterMs: 5,
      mustBeKilled: false,
      refusalIsRight: () => true,
    },
    rounds,
    revisions,
  );
}
