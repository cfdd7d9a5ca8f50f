import t from 'tap';
import { ConfigurationError, DatabaseAheadError, UnknownTargetError } from 'upshift';
import { RevisionGraph } from '../lib/revision-graph.ts';
import { stampChanges, stampRequest } from '../lib/stamp.ts';
import type { AppliedRevision } from '../lib/store.ts';
import { branched, forest, headsOf, linear, merged, multiHeads, rowsAt, shape } from './helpers/shapes.ts';

// Pure: the stamp rule, no database. Cases marked "Alembic" port the graph shape and the expected
// outcome of the named test in Alembic's tests/test_version_traversal.py or tests/test_command.py
// (Alembic stores heads; upshift stores every applied revision, so "heads {x}" below means the
// applied set is exactly x's ancestors).

/** The applied set after a stamp, as the heads current() would report. */
function stamp(graph: RevisionGraph, rows: readonly AppliedRevision[], target: string, purge = false): string[] {
  const changes = stampChanges(graph, rows, target, { purge });
  const removed = new Set(changes.remove);
  const kept = rows.map((r) => r.id).filter((id) => !removed.has(id));
  const added = changes.add.map((r) => r.id);
  if (added.some((id) => kept.includes(id)) || changes.remove.some((id) => !rows.some((r) => r.id === id))) {
    throw new Error(`stamp ${target}: adds a row that is there, or removes one that is not`);
  }
  return headsOf(graph, [...kept, ...added]);
}

t.test("stamp changes only the target's own line (BranchedPathTest, RevisionPathTest)", async (t) => {
  const g = branched();
  // test_stamp_to_labeled_head_multiple_heads, the case: the c1 branch remains unchanged.
  const changes = stampChanges(g, rowsAt(g, ['d1d1', 'c2c2']), 'd2d2', { purge: false });
  t.same(changes.remove, [], 'stamp d2 from {d1, c2} removes nothing: d1 and c1 are still in the schema');
  t.same(
    changes.add.map((r) => r.id),
    ['d2d2'],
  );
  t.same(stamp(g, rowsAt(g, ['d1d1', 'c2c2']), 'd2d2'), ['d1d1', 'd2d2']);
  // test_stamp_down_across_multiple_branch_to_branchpoint: both branches descend from b.
  t.same(stamp(g, rowsAt(g, ['d1d1', 'c2c2']), 'bbbb'), ['bbbb']);
  t.same(stamp(g, rowsAt(g, ['d1d1', 'd2d2']), 'c2c2'), ['c2c2', 'd1d1'], 'stamp c2 from {d1, d2} forgets d2 only');
  t.same(
    stamp(g, rowsAt(g, ['d1d1', 'd2d2']), 'd2d2-1'),
    ['c2c2', 'd1d1'],
    '"<id>-N" is an absolute target for a stamp',
  );
  // test_stamp_to_base (RevisionPathTest)
  const l = linear();
  t.same(stamp(l, rowsAt(l, ['dddd']), 'base'), []);
  t.same(stampChanges(l, rowsAt(l, ['dddd']), 'base', { purge: false }).remove, ['aaaa', 'bbbb', 'cccc', 'dddd']);
  t.same(stamp(l, rowsAt(l, ['eeee']), 'cccc'), ['cccc'], 'a stamp down a line removes what is above the target');
});

t.test('stamp across a merge point (MergedPathTest)', async (t) => {
  const g = merged();
  // test_stamp_down_across_merge_prior_branching
  t.same(stamp(g, rowsAt(g, ['eeee']), 'aaaa'), ['aaaa']);
  // test_stamp_up_across_merge_from_single_branch, _from_multiple_branch, _prior_branching
  t.same(stamp(g, rowsAt(g, ['c2c2']), 'eeee'), ['eeee']);
  t.same(stamp(g, rowsAt(g, ['d1d1', 'c2c2']), 'eeee'), ['eeee']);
  t.same(stamp(g, rowsAt(g, ['bbbb']), 'eeee'), ['eeee']);
  // test_stamp_labeled_head_across_merge_from_multiple_branch ("c2branch@head" is f)
  t.same(stamp(g, rowsAt(g, ['d1d1', 'c2c2']), 'ffff'), ['ffff']);
  t.same(stamp(g, rowsAt(g, ['d1d1', 'c2c2']), 'head'), ['ffff']);
  // test_stamp_down_across_merge_point_branch: Alembic replaces its one head e by c2, which
  // forgets c1 and d1. They are not on c2's line (neither above nor below it), so upshift keeps
  // them: the next upgrade then runs d2, e and f, not c1 and d1 again.
  t.same(stamp(g, rowsAt(g, ['eeee']), 'c2c2'), ['c2c2', 'd1d1'], 'upshift differs from Alembic here, on purpose');
  t.same(stamp(g, rowsAt(g, ['eeee']), 'c2c2', true), ['c2c2'], "with purge, Alembic's answer");
});

t.test('stamp heads, and stamps that change nothing (ForestTest, test_command.py)', async (t) => {
  const f = forest();
  // test_stamp_to_heads, test_stamp_to_heads_no_moves_needed
  t.same(stamp(f, [], 'heads'), ['b1b1', 'b2b2']);
  const none = stampChanges(f, rowsAt(f, ['b1b1', 'b2b2']), 'heads', { purge: false });
  t.same([none.add, none.remove, none.rechecksum], [[], [], []]);
  t.same(stamp(f, rowsAt(f, ['b1b1']), 'a2a2'), ['a2a2', 'b1b1'], 'another root is another line');

  const m = multiHeads();
  // StampMultipleHeadsTest.test_sql_stamp_heads
  t.same(stamp(m, [], 'heads'), ['cccc', 'eeee', 'ffff']);
  // test_online_stamp_multi_rev_from_real_ancestor (stamp a, then e and f: one target per call here)
  const afterE = rowsAt(m, ['eeee']);
  t.same(stamp(m, rowsAt(m, ['aaaa']), 'eeee'), ['eeee']);
  t.same(stamp(m, afterE, 'ffff'), ['eeee', 'ffff']);
  // test_online_stamp_version_already_there; LiveStampTest: existing upgrade, downgrade, already there
  const again = stampChanges(m, rowsAt(m, ['cccc', 'eeee']), 'cccc', { purge: false });
  t.same([again.add, again.remove, again.rechecksum], [[], [], []], 'stamping an applied head changes nothing');
  const l = new RevisionGraph(shape({ aaaa: [], bbbb: ['aaaa'] }));
  t.same(stamp(l, rowsAt(l, ['aaaa']), 'bbbb'), ['bbbb']);
  t.same(stamp(l, rowsAt(l, ['bbbb']), 'aaaa'), ['aaaa']);
  t.same(stamp(l, rowsAt(l, ['bbbb']), 'bbbb'), ['bbbb']);
});

t.test(
  'rows the bundle does not know: kept, and never left standing on a removed revision; purge removes them',
  async (t) => {
    const m = multiHeads();
    // StampMultipleHeadsTest.test_stamp_purge: the version table holds a revision nobody knows.
    const fake: AppliedRevision = { id: 'fake', parents: [], checksum: 'v2:0' };
    t.same(
      stampChanges(m, [fake], 'eeee', { purge: false }).remove,
      [],
      'without purge an unrelated unknown row stays',
    );
    const purged = stampChanges(m, [fake], 'eeee', { purge: true });
    t.same(purged.remove, ['fake'], 'purge removes it');
    t.same(
      purged.add.map((r) => r.id),
      ['aaaa', 'bbbb', 'dddd', 'eeee'],
      "and records exactly the target's ancestors",
    );

    // A newer release's revision stored on top of c.
    const newer: AppliedRevision = { id: 'newer1', parents: ['cccc'], checksum: 'v2:1' };
    const rows = [...rowsAt(m, ['cccc', 'ffff']), newer];
    const keepC = stampChanges(m, rows, 'ffff', { purge: false });
    t.same([keepC.add, keepC.remove], [[], []], 'stamp f keeps c and what stands on it');
    t.same(stampChanges(m, rows, 'cccc', { purge: false }).remove, [], 'stamp c: newer1 is above c, and stays');
    const error = t.throws(
      () => stampChanges(m, rows, 'bbbb', { purge: false }),
      DatabaseAheadError,
    ) as unknown as DatabaseAheadError;
    t.same(error.unknown, ['newer1'], 'removing c under newer1 is refused, naming it');
    t.match(error.message, /Cannot stamp: .*newer1.*\{ purge: true \}/);
    t.throws(() => stampChanges(m, rows, 'base', { purge: false }), DatabaseAheadError, 'base too');
    const all = stampChanges(m, rows, 'bbbb', { purge: true });
    t.same(all.remove, ['cccc', 'ffff', 'newer1'], "purge: every row outside b's ancestors, bundled ones first");
  },
);

t.test('kept rows with another checksum are re-recorded; removed ones are not', async (t) => {
  const g = linear();
  const rows = rowsAt(g, ['dddd']).map((r) =>
    r.id === 'bbbb' || r.id === 'dddd' ? { ...r, checksum: 'v2:edited' } : r,
  );
  const changes = stampChanges(g, rows, 'cccc', { purge: false });
  t.same(
    changes.rechecksum.map((r) => r.id),
    ['bbbb'],
  );
  t.same(changes.remove, ['dddd']);
});

t.test('bad targets and options are typed errors, decided from the bundle alone', async (t) => {
  const g = branched();
  t.same(stampRequest(g, 'd2d2', undefined), { target: 'd2d2', purge: false });
  t.same(stampRequest(g, 'heads', { purge: true }), { target: 'heads', purge: true });
  t.same(stampRequest(g, 'c1c1', {}), { target: 'c1c1', purge: false });
  for (const target of ['+1', '-1', 'nope1', '', 'heads-1']) {
    t.throws(() => stampRequest(g, target, undefined), UnknownTargetError, `target ${JSON.stringify(target)}`);
  }
  t.throws(() => stampRequest(g, 42, undefined), UnknownTargetError, 'a target that is no string');
  t.throws(() => stampRequest(g, 'head', undefined), { code: 'UPSHIFT_MULTIPLE_HEADS' }, 'several heads for head');
  t.throws(() => stampRequest(g, 'bbbb+1', undefined), { code: 'UPSHIFT_AMBIGUOUS_TARGET' }, '"b+1": b branches');
  const bad: [unknown, RegExp][] = [
    [{ purge: 'yes' }, /purge must be true or false, got "yes"/],
    [{ purge: 1 }, /purge must be true or false, got 1/],
    [{ force: true }, /unknown option "force"/],
    [null, /options must be an object/],
    [true, /options must be an object/],
    [['purge'], /options must be an object such as \{ purge: true \}, got an array/],
  ];
  for (const [options, message] of bad)
    t.throws(
      () => stampRequest(g, 'd2d2', options),
      { name: 'ConfigurationError', code: 'UPSHIFT_CONFIGURATION', message },
      String(JSON.stringify(options)),
    );
  t.throws(() => stampRequest(g, 'nope1', { purge: 'yes' }), ConfigurationError, 'options are checked first');
});
