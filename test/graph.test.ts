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
import { downgradePlan, upgradePlan } from '../lib/plan.ts';
import { stampChanges } from '../lib/stamp.ts';
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
  const cycle = () =>
    new RevisionGraph([
      rev('base', []),
      rev('aaaa', ['base', 'cccc']),
      rev('bbbb', ['aaaa']),
      rev('cccc', ['bbbb']),
      rev('dddd', ['cccc']),
    ]);
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
  t.same(ids(stampChanges(g, [], 'rev0002', { purge: false }).add), ['rev0001', 'rev0002']);
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

/** The same answers from a graph built with plain Maps and sorting: a reference for large graphs. */
function reference(revisions: readonly Revision[]) {
  const byId = new Map(revisions.map((r) => [r.id, r]));
  const children = new Map(revisions.map((r) => [r.id, [] as string[]]));
  for (const r of revisions) for (const p of r.parents) children.get(p)!.push(r.id);
  const closure = (start: string, next: (id: string) => readonly string[]) => {
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length) {
      const id = stack.pop()!;
      if (!seen.has(id)) {
        seen.add(id);
        stack.push(...next(id));
      }
    }
    return [...seen].sort();
  };
  return {
    heads: revisions
      .filter((r) => children.get(r.id)!.length === 0)
      .map((r) => r.id)
      .sort(),
    ancestors: (id: string) => closure(id, (x) => byId.get(x)!.parents),
    descendants: (id: string) => closure(id, (x) => children.get(x)!),
  };
}

t.test('a graph of 6,000 revisions (its id index split in parts) answers as a reference built from Maps', async (t) => {
  // Branches every 7, merged 3 later; listed in reverse so that the list order is not the answer.
  const list: Revision[] = [];
  let tip = 'n0000000';
  list.push(rev(tip, [], '2026-01-01T00:00:00.000Z'));
  for (let i = 1; list.length < 6000; i++) {
    const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    const id = `n${String(i).padStart(7, '0')}`;
    if (i % 7 === 0) {
      list.push(rev(`${id}a`, [tip], at), rev(`${id}b`, [tip], at));
      list.push(rev(id, [`${id}a`, `${id}b`], at));
    } else list.push(rev(id, [tip], at));
    tip = id;
  }
  list.push(rev('zz_side', ['n0000010'], '2027-01-01T00:00:00.000Z')); // a second head
  const g = new RevisionGraph([...list].reverse());
  const ref = reference(list);
  const position = new Map(g.order.map((r, i) => [r.id, i]));
  t.equal(g.size, list.length);
  t.ok(
    g.order.every((r) => r.parents.every((p) => position.get(p)! < position.get(r.id)!)),
    'parents before children',
  );
  t.same([...g.heads()].sort(), ref.heads);
  for (const id of ['n0000010', 'n0002100a', tip]) {
    t.same([...g.ancestors([id])].sort(), ref.ancestors(id), `ancestors of ${id}`);
    t.same([...g.descendants([id])].sort(), ref.descendants(id), `descendants of ${id}`);
  }
  t.same([...g.ancestors(['unknown1'])], ['unknown1'], 'an unknown id is kept as it is');
  t.same(
    ids(g.sort([tip, 'n0000001', 'zz_side'])),
    ['n0000001', 'zz_side', tip].sort((a, b) => position.get(a)! - position.get(b)!),
  );
  t.same(g.children('n0000007'), ['n0000008'], 'a merge revision has its one child');
  t.same([...g.children('n0000006')].sort(), ['n0000007a', 'n0000007b']);
  t.equal(g.get('n0003000')?.id, 'n0003000');
  t.equal(g.get('n9999999'), undefined);
  t.equal(g.resolveId('zz_s'), 'zz_side');
});

t.test('a validated revision is recognised by a brand no other object can carry', async (t) => {
  const valid = defineRevision({ id: 'brand_ok', parents: [], up() {} });
  t.equal(validateRevision(valid, 'test'), valid, 'validated once, returned as it is');
  const copy = { ...valid };
  t.not(validateRevision(copy, 'test'), copy, 'a copy is validated again');
  // Same prototype, invalid fields: only a brand set by validation may skip it.
  const forged = Object.assign(Object.create(Object.getPrototypeOf(valid)), { id: 'no!', parents: 'x', up: 1 });
  t.throws(() => validateRevision(forged, 'test'), InvalidRevisionError);
});
