import t, { type Test } from 'tap';
import { IdIndex } from '../lib/id-index.ts';

// A Map, whatever the split: the split exists for speed only, so every lookup must agree with one.
const agrees = (t: Test, ids: string[], expected: number) => {
  const index = new IdIndex(expected);
  const map = new Map<string, number>();
  ids.forEach((id, i) => {
    index.set(id, i);
    map.set(id, i);
  });
  for (const [id, i] of map)
    if (index.get(id) !== i || !index.has(id)) return t.fail(`${id} → ${index.get(id)}, expected ${i}`);
  t.pass(`all ${map.size} ids found`);
  for (const id of ['zzzz', 'h0000000', `${ids[0]}x`, ids[0]!.slice(0, -1)]) {
    t.equal(index.get(id), map.get(id), `${id}: as a Map says`);
    t.equal(index.has(id), map.has(id));
  }
};

t.test('numbered and random-hex ids, split into several parts', async (t) => {
  agrees(
    t,
    Array.from({ length: 10_000 }, (_, i) => `h${String(i).padStart(6, '0')}`),
    10_000,
  );
  agrees(
    t,
    Array.from({ length: 5_000 }, (_, i) => ((i * 2654435761) >>> 0).toString(16).padStart(12, '0')),
    5_000,
  );
});

t.test('ids that all end alike land in one part and are still found', async (t) => {
  agrees(
    t,
    Array.from({ length: 6_000 }, (_, i) => `rev${i}_zz`),
    6_000,
  );
});

t.test('more ids than expected, and a value set twice', async (t) => {
  const ids = Array.from({ length: 9_000 }, (_, i) => `id${i}xx${i % 7}`);
  agrees(t, ids, 100);
  const index = new IdIndex(3);
  index.set('abcd', 1);
  index.set('abcd', 2);
  t.equal(index.get('abcd'), 2);
});
