/**
 * The MariaDB kill rounds through the real Migrator: each boot a real process booting the app
 * (test/fixtures/mariadb-migrator-worker.ts), killed right after a random statement that is not
 * its revision's last (the loop: kill-rounds.ts). Every other round the second revision reads
 * rows first (READER): the next boot must then refuse it with RevisionNotResumableError, having
 * run none of its statements again; any other refusal fails the round.
 */
import { STATEMENTS_PER_REVISION } from '../fixtures/mariadb-revisions.ts';
import { type KillFigures, killRounds } from './kill-rounds.ts';

const reads = (round: number) => round % 2 === 0;

export function killMariadbMigrator(rounds: number, revisions = 3): Promise<KillFigures> {
  return killRounds(
    {
      worker: 'mariadb-migrator-worker.ts',
      env: (round) => ({ READER: reads(round) ? 1 : 0 }),
      cutWithin: STATEMENTS_PER_REVISION - 1,
      jitterMs: 0,
      mustBeKilled: true,
      // Refused only where it must be: the reading revision, cut after a commit; nothing re-run.
      refusalIsRight: (round, before, after) =>
        reads(round) &&
        before.length === 1 &&
        before[0]!.id === 'rev002' &&
        JSON.stringify(after) === JSON.stringify(before),
    },
    rounds,
    revisions,
  );
}
