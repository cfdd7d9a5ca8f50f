import {
  AmbiguousTargetError,
  ConfigurationError,
  DatabaseAheadError,
  defineRevision,
  Migrator,
  type Revision,
} from 'upshift';
import { countingOptions } from './helpers/counting.ts';
import { eachDatabase } from './helpers/each-dialect.ts';
import type { AnyDialectName, TestDatabase } from './helpers/databases.ts';
import { versionRows } from './helpers/schema.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

/**
 * Issue 21, items 11 and 12, on real databases: a stamp changes only the target's line, and a
 * relative step with more than one possible path is refused before anything changes.
 *
 * The issue's graph: aaaa → bbbb → c1c1 → d1d1, bbbb → c2c2 → d2d2. Each revision's up() inserts
 * one row naming it into `effects` (and its down() deletes it), so a revision run twice shows
 * as two rows.
 */
function issueGraph(): Revision[] {
  const make = (id: string, parents: string[], second: number) =>
    defineRevision({
      id,
      parents,
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
      async up({ sql }) {
        if (id === 'aaaa') await sql('create table effects (revision varchar(64) not null)');
        await sql('insert into effects (revision) values (?)', [id]);
      },
      async down({ sql }) {
        await sql('delete from effects where revision = ?', [id]);
        if (id === 'aaaa') await sql('drop table effects');
      },
    });
  return [
    make('aaaa', [], 1),
    make('bbbb', ['aaaa'], 2),
    make('c1c1', ['bbbb'], 3),
    make('d1d1', ['c1c1'], 4),
    make('c2c2', ['bbbb'], 5),
    make('d2d2', ['c2c2'], 6),
  ];
}

/** How many times each revision's up() has run (and not been undone), by id. */
async function effects(db: TestDatabase<AnyDialectName>): Promise<Record<string, number>> {
  const rows = await db.query<{ revision: string }>('select revision from effects');
  const counts: Record<string, number> = {};
  for (const { revision } of rows) counts[revision] = (counts[revision] ?? 0) + 1;
  return counts;
}

const WRITE = /\b(insert|update|delete|create|drop|alter)\b/i;

eachDatabase(
  'stamp("d2") from {d1, c2} leaves {d1, d2}, and the next upgrade re-runs nothing (issue 21.11)',
  async (t, db) => {
    const orm = await db.orm();
    const m = new Migrator({ orm, revisions: issueGraph(), logger: memoryLogger().logger });
    await m.upgrade('d1d1');
    await m.upgrade('c2c2');
    t.same(await m.current(), ['d1d1', 'c2c2']);

    const stamped = await m.stamp('d2d2');
    t.same([stamped.added, stamped.removed], [['d2d2'], []], 'adds d2, removes nothing');
    t.same(stamped.current, ['d1d1', 'd2d2'], "the c1 branch remains: only the target's line changed");
    t.same(await versionRows(db), ['aaaa', 'bbbb', 'c1c1', 'c2c2', 'd1d1', 'd2d2']);

    const up = await m.upgrade();
    t.same(up.applied, [], 'the next upgrade runs nothing');
    t.same(
      await effects(db),
      { aaaa: 1, bbbb: 1, c1c1: 1, d1d1: 1, c2c2: 1 },
      'every up() ran once; d2 was stamped, never run',
    );

    // A stamp down one branch forgets that branch only.
    t.same((await m.stamp('c2c2')).removed, ['d2d2']);
    t.same(await m.current(), ['d1d1', 'c2c2']);
  },
);

eachDatabase(
  "stamp(target, { purge: true }) records exactly the target's ancestors; without it, a newer release's row is never orphaned",
  async (t, db) => {
    const orm = await db.orm();
    const m = new Migrator({ orm, revisions: issueGraph(), logger: memoryLogger().logger });
    await m.upgrade('d1d1');
    await m.upgrade('c2c2');
    // A newer release's revision, applied on top of d1.
    await db.query(
      'insert into upshift_revisions (id, parents, message, checksum, applied_at, duration_ms, applied_by) ' +
        "values ('e1_newer', 'd1d1', 'newer', 'v2:0', '2026-01-02T00:00:00.000Z', 0, 'test')",
    );
    const before = await versionRows(db);

    const error = (await m.stamp('c1c1').catch((e: unknown) => e)) as DatabaseAheadError;
    t.type(error, DatabaseAheadError, 'stamp c1 would remove d1, which e1_newer stands on');
    t.same(error.unknown, ['e1_newer']);
    t.match(error.message, /Cannot stamp.*\{ purge: true \}/);
    t.same(await versionRows(db), before, 'the version table is unchanged');
    for (const options of [{ purge: 'yes' }, { force: true }]) {
      await t.rejects(m.stamp('d2d2', options as never), ConfigurationError, `options ${JSON.stringify(options)}`);
    }
    t.same(await versionRows(db), before, 'bad options changed nothing either');

    const purged = await m.stamp('d2d2', { purge: true });
    t.same(purged.added, ['d2d2']);
    t.same(purged.removed, ['c1c1', 'd1d1', 'e1_newer'], "every row outside d2's ancestors, the unknown one included");
    t.same(await versionRows(db), ['aaaa', 'bbbb', 'c2c2', 'd2d2']);
    t.same(
      (await m.upgrade()).applied,
      ['c1c1', 'd1d1'],
      'purge forgot c1 and d1, so the next upgrade runs them: that is what purge asks for',
    );
    t.same(await effects(db), { aaaa: 1, bbbb: 1, c1c1: 2, d1d1: 2, c2c2: 1 });
  },
);

eachDatabase(
  '"+1" and "-1" with two possible branches throw AmbiguousTargetError before any statement writes (issue 21.12)',
  async (t, db) => {
    const { options, statements } = countingOptions();
    const orm = await db.orm([], options);
    const m = new Migrator({ orm, revisions: issueGraph(), logger: memoryLogger().logger });
    t.same((await m.upgrade('+2')).applied, ['aaaa', 'bbbb'], '"+2" from base has one path');

    const refused = async (call: () => Promise<unknown>, candidates: string[], what: string) => {
      const rows = await versionRows(db);
      const done = await effects(db);
      statements.length = 0;
      const error = (await call().catch((e: unknown) => e)) as AmbiguousTargetError;
      t.type(error, AmbiguousTargetError, what);
      t.equal(error.code, 'UPSHIFT_AMBIGUOUS_TARGET');
      t.same(error.candidates, candidates, `${what}: names each branch's candidate`);
      t.ok(statements.length > 0, `${what}: the query log saw its reads`);
      t.same(
        statements.filter((s) => WRITE.test(s)),
        [],
        `${what}: no statement that writes`,
      );
      t.same(await versionRows(db), rows, `${what}: the version table is unchanged`);
      t.same(await effects(db), done, `${what}: no revision ran`);
      return error;
    };

    await refused(() => m.upgrade('+1'), ['c1c1', 'c2c2'], '+1 from {b}');
    await m.upgrade('c1c1');
    await m.upgrade('c2c2');
    const up = await refused(() => m.upgrade('+1'), ['d1d1', 'd2d2'], '+1 from {c1, c2}');
    t.match(up.message, /upgrade\("d1d1"\)/, 'says how to choose');

    await m.upgrade('d1d1');
    t.same((await m.upgrade('+1')).applied, ['d2d2'], '+1 from {d1, c2}: one candidate, taken');
    const down = await refused(() => m.downgrade('-1'), ['d1d1', 'd2d2'], '-1 from {d1, d2}');
    t.match(down.message, /d1d1 \(downgrade\("c1c1"\) reverts only it\), d2d2 \(downgrade\("c2c2"\) reverts only it\)/);

    t.same((await m.downgrade('d2d2-1')).reverted, ['d2d2'], '"d2-1" names c2: d2 alone is reverted');
    t.same(await m.current(), ['d1d1', 'c2c2']);
    await m.downgrade('bbbb');
    await m.upgrade('d1d1');
    t.same((await m.downgrade('-2')).reverted, ['d1d1', 'c1c1'], '-2 from {d1}: one path, whatever else is bundled');
    t.same(await effects(db), { aaaa: 1, bbbb: 1 }, 'each down() ran once');
  },
);
