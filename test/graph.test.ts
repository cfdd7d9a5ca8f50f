import t from 'tap';
import {
  AmbiguousTargetError,
  defineRevision,
  DuplicateRevisionError,
  InvalidRevisionError,
  MissingParentError,
  MultipleHeadsError,
  RevisionCycleError,
  UnknownTargetError,
  type Revision,
} from 'upshift';
import { RevisionGraph } from '../lib/revision-graph.ts';
import { downgradePlan, stampSet, upgradePlan } from '../lib/plan.ts';
import { validateRevision } from '../lib/revision.ts';
import { branchAndMerge, chain } from './helpers/revisions.ts';

const rev = (id: string, parents: string[], createdAt = '2026-01-01T00:00:00.000Z'): Revision =>
  defineRevision({ id, parents, createdAt, up() {}, down() {} });
const ids = (rs: readonly Revision[]) => rs.map((r) => r.id);

t.test('topological order is parents-first and breaks ties by createdAt, then id', async (t) => {
  const g = new RevisionGraph([
    rev('zzzz', ['base'], '2026-01-02T00:00:00.000Z'),
    rev('bbbb', ['base'], '2026-01-03T00:00:00.000Z'),
    rev('aaaa', ['base'], '2026-01-03T00:00:00.000Z'),
    rev('base', [], '2026-01-05T00:00:00.000Z'),
  ]);
  t.same(ids(g.order), ['base', 'zzzz', 'aaaa', 'bbbb']);
  t.same(g.heads(), ['zzzz', 'aaaa', 'bbbb']);
  t.same(g.bases(), ['base']);
});

t.test('branch and merge: heads, ancestors, descendants', async (t) => {
  const g = new RevisionGraph(branchAndMerge());
  t.same(g.heads(), ['top1']);
  t.same([...g.ancestors(['left'])].sort(), ['b1xx', 'base0', 'left']);
  t.same([...g.descendants(['right'])].sort(), ['merge', 'right', 'top1']);
  t.equal(g.head(), 'top1');
});

t.test('graph errors are typed, with stable codes', async (t) => {
  t.throws(() => new RevisionGraph([rev('aaaa', []), rev('aaaa', [])]), DuplicateRevisionError);
  t.throws(() => new RevisionGraph([rev('aaaa', ['nope'])]), { code: 'UPSHIFT_MISSING_PARENT', parentId: 'nope' });
  t.throws(() => new RevisionGraph([rev('aaaa', ['nope'])]), MissingParentError);
  const cycle = () => new RevisionGraph([rev('base', []), rev('aaaa', ['base', 'cccc']), rev('bbbb', ['aaaa']), rev('cccc', ['bbbb']), rev('dddd', ['cccc'])]);
  t.throws(cycle, RevisionCycleError);
  const cycleError = (() => {
    try {
      cycle();
    } catch (error) {
      return error as RevisionCycleError;
    }
  })();
  t.same(cycleError?.revisionIds, ['aaaa', 'bbbb', 'cccc'], 'the cycle names its members, not what hangs below it');
  const branched = new RevisionGraph([rev('base', []), rev('aaaa', ['base']), rev('bbbb', ['base'])]);
  t.throws(() => branched.head(), MultipleHeadsError);
  t.throws(() => upgradePlan(branched, new Set(), 'head'), { code: 'UPSHIFT_MULTIPLE_HEADS' });
});

t.test('revision shape validation', async (t) => {
  const bad: [string, unknown][] = [
    ['short id', { id: 'abc', parents: [], up() {} }],
    ['id with a dash', { id: 'abc-def', parents: [], up() {} }],
    ['parents not an array', { id: 'abcd', parents: 'x', up() {} }],
    ['bad parent id', { id: 'abcd', parents: ['no!'], up() {} }],
    ['own parent', { id: 'abcd', parents: ['abcd'], up() {} }],
    ['up missing', { id: 'abcd', parents: [] }],
    ['down not a function', { id: 'abcd', parents: [], up() {}, down: 'x' }],
    ['createdAt not a date', { id: 'abcd', parents: [], up() {}, createdAt: 'soon' }],
    ['transaction not boolean', { id: 'abcd', parents: [], up() {}, transaction: 'no' }],
    ['not an object', 42],
  ];
  for (const [what, input] of bad) t.throws(() => validateRevision(input, 'test'), InvalidRevisionError, what);
  const ok = validateRevision({ id: 'abcd_1234', parents: [], up() {} }, 'test');
  t.equal(ok.transaction, true);
  t.ok(Object.isFrozen(ok));
});

t.test('targets: head, heads, base, id, prefix, +N, -N', async (t) => {
  const g = new RevisionGraph(chain(5));
  const none = new Set<string>();
  t.same(ids(upgradePlan(g, none)), ['rev0001', 'rev0002', 'rev0003', 'rev0004', 'rev0005']);
  t.same(ids(upgradePlan(g, none, 'head')), ids(upgradePlan(g, none, 'heads')));
  t.same(ids(upgradePlan(g, none, 'rev0002')), ['rev0001', 'rev0002']);
  t.same(ids(upgradePlan(g, new Set(['rev0001']), '+2')), ['rev0002', 'rev0003']);
  t.same(upgradePlan(g, none, 'base'), []);
  const all = new Set(ids(g.order));
  t.same(ids(downgradePlan(g, all, '-2')), ['rev0005', 'rev0004']);
  t.same(ids(downgradePlan(g, all, 'rev0003')), ['rev0005', 'rev0004']);
  t.same(ids(downgradePlan(g, all, 'base')), ['rev0005', 'rev0004', 'rev0003', 'rev0002', 'rev0001']);
  t.same([...stampSet(g, 'rev0002')].sort(), ['rev0001', 'rev0002']);
  t.throws(() => upgradePlan(g, none, 'nope1'), UnknownTargetError);
  t.throws(() => upgradePlan(g, none, 'rev0'), AmbiguousTargetError);
  t.throws(() => upgradePlan(g, none, 'ab'), UnknownTargetError, 'too short for a prefix');
  t.throws(() => upgradePlan(g, none, '-1'), UnknownTargetError, 'relative down is not an upgrade');
  t.throws(() => downgradePlan(g, all, '+1'), UnknownTargetError);
  t.throws(() => downgradePlan(g, all, '-6'), UnknownTargetError, 'past base is refused, not clamped');
  t.throws(() => upgradePlan(g, none, '+6'), UnknownTargetError);
  t.throws(() => downgradePlan(g, new Set(['rev0001']), 'rev0003'), UnknownTargetError, 'not applied');
});

t.test('downgrade to a branch point reverts both branches and the merge, not unrelated revisions', async (t) => {
  const g = new RevisionGraph(branchAndMerge());
  const all = new Set(ids(g.order));
  t.same(ids(downgradePlan(g, all, 'b1xx')), ['top1', 'merge', 'right', 'left']);
  t.same(ids(downgradePlan(g, all, 'left')), ['top1', 'merge'], 'the other branch stays');
});
