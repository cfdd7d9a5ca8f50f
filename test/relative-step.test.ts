import t from 'tap';
import {
  AmbiguousTargetError,
  DatabaseAheadError,
  MultipleHeadsError,
  UnknownTargetError,
  type Revision,
} from 'upshift';
import { downgradePlan, upgradePlan } from '../lib/plan.ts';
import { RevisionGraph } from '../lib/revision-graph.ts';
import type { TapTest } from './helpers/each-dialect.ts';
import { at, branched, linear, merged, shape } from './helpers/shapes.ts';

// Pure: the relative-step rules, no database. Cases marked "Alembic" port the graph shape and the
// expected outcome of the named test in Alembic's tests/test_version_traversal.py.

const ids = (rs: readonly Revision[]) => rs.map((r) => r.id);

function ambiguity(
  t: TapTest,
  run: () => unknown,
  candidates: string[],
  what: string,
): AmbiguousTargetError | undefined {
  try {
    run();
  } catch (error) {
    t.type(error, AmbiguousTargetError, what);
    t.equal((error as AmbiguousTargetError).code, 'UPSHIFT_AMBIGUOUS_TARGET');
    t.same((error as AmbiguousTargetError).candidates, candidates, `${what}: the candidates`);
    return error as AmbiguousTargetError;
  }
  t.fail(`${what}: did not throw`);
  return undefined;
}

t.test('a linear history: relative steps as Alembic takes them (RevisionPathTest)', async (t) => {
  const g = linear();
  // test_relative_upgrade_path
  t.same(ids(upgradePlan(g, at(g, ['aaaa']), '+2')), ['bbbb', 'cccc']);
  t.same(ids(upgradePlan(g, at(g, ['aaaa']), '+1')), ['bbbb']);
  t.same(ids(upgradePlan(g, at(g, ['bbbb']), '+3')), ['cccc', 'dddd', 'eeee']);
  t.same(ids(upgradePlan(g, at(g, ['aaaa']), 'bbbb+2')), ['bbbb', 'cccc', 'dddd'], '"b+2" is d');
  t.same(ids(upgradePlan(g, at(g, ['aaaa']), 'dddd-2')), ['bbbb'], '"d-2" is b');
  // test_invalid_relative_upgrade_path
  t.throws(() => upgradePlan(g, at(g, ['bbbb']), '-2'), UnknownTargetError);
  t.throws(() => upgradePlan(g, at(g, ['bbbb']), '+5'), {
    code: 'UPSHIFT_UNKNOWN_TARGET',
    message: /only 3 bundled revision\(s\) are pending/,
  });
  // test_relative_downgrade_path
  t.same(ids(downgradePlan(g, at(g, ['cccc']), '-1')), ['cccc']);
  t.same(ids(downgradePlan(g, at(g, ['eeee']), '-3')), ['eeee', 'dddd', 'cccc']);
  t.same(ids(downgradePlan(g, at(g, ['dddd']), 'aaaa+2')), ['dddd'], '"a+2" is c');
  t.same(ids(downgradePlan(g, at(g, ['dddd']), 'cccc-2')), ['dddd', 'cccc', 'bbbb'], '"c-2" is a');
  // test_invalid_relative_downgrade_path
  t.throws(() => downgradePlan(g, at(g, ['bbbb']), '-5'), {
    code: 'UPSHIFT_UNKNOWN_TARGET',
    message: /only 2 bundled revision\(s\) are applied/,
  });
  t.throws(() => downgradePlan(g, at(g, ['bbbb']), '+2'), UnknownTargetError);
  // head-N, from the single head; and steps past either end are refused, not clamped.
  t.same(ids(downgradePlan(g, at(g, ['eeee']), 'head-2')), ['eeee', 'dddd'], '"head-2" is c');
  t.same(ids(upgradePlan(g, at(g, ['aaaa']), 'head-3')), ['bbbb'], 'head-N as an upgrade target');
  t.throws(() => upgradePlan(g, new Set(), 'head-5'), {
    code: 'UPSHIFT_UNKNOWN_TARGET',
    message: /"aaaa" is a base, 4 step\(s\) below "head": there is no step 5/,
  });
  t.throws(() => upgradePlan(g, new Set(), 'dddd+2'), { code: 'UPSHIFT_UNKNOWN_TARGET', message: /"eeee" is a head/ });
  t.same(ids(upgradePlan(g, new Set(), 'bbbb+0')), ['aaaa', 'bbbb'], '"<id>+0" is the id');
  const named = new RevisionGraph(shape({ alpha_1: [], beta_22: ['alpha_1'] }));
  t.same(
    ids(upgradePlan(named, new Set(), 'alph+1')),
    ['alpha_1', 'beta_22'],
    'the id part may be a unique prefix of 4+ characters',
  );
  t.throws(() => upgradePlan(g, new Set(), 'heads-1'), {
    code: 'UPSHIFT_UNKNOWN_TARGET',
    message: /starts from "head" or from one revision's id/,
  });
  t.throws(() => upgradePlan(g, new Set(), 'nope+1'), UnknownTargetError);
});

t.test(
  'branches: "+1" from two heads and "-1" from two heads are refused, naming each branch (BranchedPathTest)',
  async (t) => {
    const g = branched();
    // test_ambiguous_upgrade: Alembic refuses; so does upshift, with the candidates.
    const up = ambiguity(t, () => upgradePlan(g, at(g, ['c1c1', 'c2c2']), '+1'), ['d1d1', 'd2d2'], '+1 from {c1, c2}');
    t.match(
      up?.message,
      /Target "\+1" is ambiguous: the next step could apply any of 2 revisions, one per branch: d1d1 \(after c1c1\), d2d2 \(after c2c2\)\. upshift does not pick a branch: upgrade to the revision you want by its id instead, e\.g\. upgrade\("d1d1"\)/,
    );
    // test_downgrade_once_order_right / _left: Alembic reverts one and warns "ambiguous"; upshift refuses.
    const down = ambiguity(
      t,
      () => downgradePlan(g, at(g, ['d1d1', 'd2d2']), '-1'),
      ['d1d1', 'd2d2'],
      '-1 from {d1, d2}',
    );
    t.match(
      down?.message,
      /d1d1 \(downgrade\("c1c1"\) reverts only it\), d2d2 \(downgrade\("c2c2"\) reverts only it\)/,
      'says which id target reverts each one alone',
    );
    // test_downgrade_once_order_right_unbalanced / _left_unbalanced
    ambiguity(t, () => downgradePlan(g, at(g, ['c2c2', 'd1d1']), '-1'), ['d1d1', 'c2c2'], '-1 from {c2, d1}');
    const fork = ambiguity(
      t,
      () => downgradePlan(g, at(g, ['c1c1', 'c2c2']), '-1'),
      ['c1c1', 'c2c2'],
      '-1 from {c1, c2}',
    );
    t.match(
      fork?.message,
      /c1c1 \(no id target reverts it alone: what descends from bbbb is more\)/,
      'and says when none does',
    );
    // The ambiguity may come after unambiguous steps; the message says so.
    const later = ambiguity(
      t,
      () => upgradePlan(g, at(g, ['aaaa']), '+2'),
      ['c1c1', 'c2c2'],
      '+2 from {a}: b, then c1 or c2',
    );
    t.match(later?.message, /ambiguous: after 1 step\(s\), the next step/);
    ambiguity(t, () => downgradePlan(g, at(g, ['d1d1', 'c2c2']), '-1'), ['d1d1', 'c2c2'], '-1 from {d1, c2}');

    // One candidate is no ambiguity, whatever else is applied.
    t.same(ids(upgradePlan(g, at(g, ['d1d1', 'c2c2']), '+1')), ['d2d2'], '+1 from {d1, c2}: only d2 is next');
    t.same(ids(downgradePlan(g, at(g, ['d1d1']), '-2')), ['d1d1', 'c1c1'], '-2 from {d1} with c2 never applied');
    t.same(ids(upgradePlan(g, at(g, ['d1d1']), '+2')), ['c2c2', 'd2d2'], '+2 from {d1}: only the other branch is left');
    // test_upgrade_from_base_implicit, test_downgrade_minus1_to_base, test_downgrade_minus1_from_base
    t.same(ids(upgradePlan(g, new Set(), '+1')), ['aaaa']);
    t.same(ids(downgradePlan(g, at(g, ['aaaa']), '-1')), ['aaaa']);
    t.throws(() => downgradePlan(g, new Set(), '-1'), {
      code: 'UPSHIFT_UNKNOWN_TARGET',
      message: /only 0 bundled revision\(s\) are applied/,
    });
    // test_downgrade_relative_order_right / _left: "d2-1" is c2, whatever the order of the heads.
    t.same(ids(downgradePlan(g, at(g, ['d2d2', 'c1c1']), 'd2d2-1')), ['d2d2']);
    // test_relative_upgrade ("c2branch@head-1" from b): upshift names the branch by its head's id.
    t.same(ids(upgradePlan(g, at(g, ['bbbb']), 'd2d2-1')), ['c2c2']);
    t.throws(() => upgradePlan(g, new Set(), 'head-1'), MultipleHeadsError, '"head-N" needs a single head');
    // "<id>+N" through a branch point, "<id>-N" through nothing ambiguous
    const through = ambiguity(
      t,
      () => upgradePlan(g, new Set(), 'aaaa+2'),
      ['c1c1', 'c2c2'],
      '"a+2" passes b, which branches',
    );
    t.match(through?.message, /step 2 leaves "bbbb", which branches into c1c1, c2c2/);
    t.same(ids(upgradePlan(g, new Set(), 'aaaa+1')), ['aaaa', 'bbbb']);
  },
);

t.test('merges: a relative step through a merge point (MergedPathTest)', async (t) => {
  const g = merged();
  t.same(ids(upgradePlan(g, at(g, ['d1d1', 'd2d2']), '+2')), ['eeee', 'ffff'], 'the merge is the one next step');
  t.same(ids(downgradePlan(g, at(g, ['ffff']), '-2')), ['ffff', 'eeee']);
  ambiguity(
    t,
    () => downgradePlan(g, at(g, ['ffff']), '-3'),
    ['d1d1', 'd2d2'],
    '-3 from {f}: below the merge, two heads',
  );
  const merge = ambiguity(t, () => upgradePlan(g, new Set(), 'eeee-1'), ['d1d1', 'd2d2'], '"e-1": e merges d1 and d2');
  t.match(merge?.message, /step 1 leaves "eeee", which merges d1d1, d2d2/);
  t.same(ids(downgradePlan(g, at(g, ['ffff']), 'ffff-1')), ['ffff']);
  t.same(ids(upgradePlan(g, at(g, ['d1d1']), '+1')), ['c2c2'], 'the merge waits for its second parent');
});

t.test(
  '"-N" with a newer release\'s rows: a revision they build on is no candidate, and not a silent base',
  async (t) => {
    // The bundle: r1 → r2 → r3, r1 → side. The database: r1..r5 (r4, r5 a newer release's) and side.
    const g = new RevisionGraph(shape({ rev1: [], rev2: ['rev1'], rev3: ['rev2'], side: ['rev1'] }));
    const rows = (withSide: boolean) =>
      new Map([
        ...['rev1', 'rev2', 'rev3'].map((id) => [id, { parents: [...g.get(id)!.parents] }] as const),
        ['rev4', { parents: ['rev3'] }] as const,
        ['rev5', { parents: ['rev4'] }] as const,
        ...(withSide ? [['side', { parents: ['rev1'] }] as const] : []),
      ]);
    t.same(ids(downgradePlan(g, rows(true), '-1')), ['side'], 'rev3 carries rev4, so "-1" has one path');
    const error = t.throws(
      () => downgradePlan(g, rows(false), '-1'),
      DatabaseAheadError,
    ) as unknown as DatabaseAheadError;
    t.same(error.unknown, ['rev4'], 'names the revision on top');
    t.same(
      ids(downgradePlan(g, new Set(['rev1', 'side']), '-2')),
      ['side', 'rev1'],
      'ids alone: side, then its parent',
    );
    t.throws(
      () => downgradePlan(g, new Set(['rev1', 'side']), '-3'),
      UnknownTargetError,
      'past base: refused, not clamped',
    );
  },
);

t.test('"+N" and "-N" cost one pass over the graph, not one per step', async (t) => {
  const n = 20_000;
  const list: Record<string, string[]> = {};
  for (let i = 0; i < n; i++)
    list[`n${String(i).padStart(6, '0')}`] = i === 0 ? [] : [`n${String(i - 1).padStart(6, '0')}`];
  const g = new RevisionGraph(shape(list));
  const all = new Set(g.order.map((r) => r.id));
  const started = performance.now();
  t.equal(upgradePlan(g, new Set(), `+${n}`).length, n);
  t.equal(downgradePlan(g, all, `-${n}`).length, n);
  t.equal(downgradePlan(g, all, `head-${n - 1}`).length, n - 1);
  // A per-step scan would be 20,000² = 4e8 visits: tens of seconds, not this bound.
  t.ok(performance.now() - started < 2_000, `took ${Math.round(performance.now() - started)} ms`);
});
