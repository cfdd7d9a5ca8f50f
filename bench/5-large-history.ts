/**
 * Scenario 5 — large history: 1k, 3k and 10k revisions, linear and with a branch + merge every
 * 10. Timed: graph build + validate (new Migrator: validation of every revision, the DAG, the
 * topological order — no database access), and a no-op upgrade() against a database at head.
 * Growth is linear when the per-revision cost stays flat from 1k to 10k. The sizes are timed
 * interleaved with each other.
 */
import type { MikroORM } from '@mikro-orm/core';
import { Migrator, defineRevision, type Revision } from 'upshift';
import { createDb, openOrm, type DialectName } from './support/db.ts';
import { benchLogger } from './support/tools.ts';
import { fmtMs, interleave, median, type BenchOptions, type Recorder } from './support/report.ts';
import { standalone, type Scenario } from './support/scenario.ts';

const SIZES = [1000, 3000, 10000];
const SHAPES = ['linear', 'branchy'] as const;
type Shape = (typeof SHAPES)[number];

export const scenario: Scenario = {
  id: '5-large-history',
  title: 'large history: 1k / 3k / 10k revisions, linear and with a branch + merge every 10',
  async run(options: BenchOptions, rec: Recorder) {
    for (const dialect of options.dialects) await runOn(dialect, options, rec);
  },
};

const noop = async () => {};

/** Plain objects, as revision modules' default exports are before the Migrator validates them. */
export function history(n: number, shape: Shape): Revision[] {
  const id = (i: number) => `h${String(i).padStart(6, '0')}`;
  const at = (i: number) => new Date(Date.UTC(2020, 0, 1) + i * 1000).toISOString();
  const list: Revision[] = [];
  let prev: string[] = [];
  for (let i = 1; list.length < n; i++) {
    if (shape === 'branchy' && i % 10 === 0 && list.length + 3 <= n) {
      // a branch of two siblings, then their merge
      const a = `${id(i)}a`;
      const b = `${id(i)}b`;
      list.push(defineRevision({ id: a, parents: prev, createdAt: at(i), up: noop, down: noop }));
      list.push(defineRevision({ id: b, parents: prev, createdAt: at(i), up: noop, down: noop }));
      list.push(defineRevision({ id: id(i), parents: [a, b], createdAt: at(i), message: 'merge', up: noop, down: noop }));
    } else {
      list.push(defineRevision({ id: id(i), parents: prev, createdAt: at(i), up: noop, down: noop }));
    }
    prev = [list[list.length - 1]!.id];
  }
  return list;
}

async function runOn(dialect: DialectName, options: BenchOptions, rec: Recorder): Promise<void> {
  const sizes = options.quick ? [1000, 10000] : SIZES;
  const logger = benchLogger();
  for (const shape of SHAPES) {
    const build: Record<number, number> = {};
    const noopUpgrade: Record<number, number> = {};
    // Every size is open at once and timed interleaved, so that a change of the machine's speed
    // during the scenario (common here) lands on all sizes alike instead of bending the growth.
    const opened: { n: number; orm: MikroORM; drop: () => Promise<void>; revisions: Revision[]; migrator: Migrator }[] = [];
    try {
      for (const n of sizes) {
        const revisions = history(n, shape);
        const db = await createDb(dialect, 's5');
        const orm: MikroORM = await openOrm(dialect, db.location);
        opened.push({ n, orm, drop: () => db.drop(), revisions, migrator: new Migrator({ orm, revisions, logger }) });
        // At head without running 10k no-op revisions: stamp() records them all.
        await new Migrator({ orm, revisions, logger }).stamp('heads');
      }
      const contenders: Record<string, () => Promise<unknown>> = {};
      for (const { n, orm, revisions, migrator } of opened) {
        contenders[`build ${n}`] = async () => new Migrator({ orm, revisions, logger });
        contenders[`upgrade ${n}`] = async () => {
          const result = await migrator.upgrade();
          if (result.applied.length !== 0) throw new Error('expected a no-op');
        };
      }
      const times = await interleave(contenders, options.quick ? 5 : 21, 2);
      for (const n of sizes) {
        build[n] = median(times[`build ${n}`]!);
        noopUpgrade[n] = median(times[`upgrade ${n}`]!);
        rec.figure({ dialect, name: `${shape} ${n}: graph build + validate`, value: build[n], unit: 'ms', detail: `${((build[n] / n) * 1000).toFixed(2)} µs/revision` });
        rec.figure({ dialect, name: `${shape} ${n}: no-op upgrade()`, value: noopUpgrade[n], unit: 'ms', detail: `${((noopUpgrade[n] / n) * 1000).toFixed(2)} µs/revision` });
      }
    } finally {
      for (const { orm, drop } of opened) {
        await orm.close(true);
        await drop();
      }
    }
    const big = sizes[sizes.length - 1]!;
    const small = sizes[0]!;
    const growth = (t: Record<number, number>) => (t[big]! / big) / (t[small]! / small);
    rec.goal({ dialect, goal: `(5) ${shape} ${big}: build + validate ≤ 50 ms`, measured: fmtMs(build[big]!), pass: build[big]! <= 50 });
    rec.goal({ dialect, goal: `(5) ${shape} ${big}: no-op upgrade() ≤ 100 ms`, measured: fmtMs(noopUpgrade[big]!), pass: noopUpgrade[big]! <= 100 });
    rec.goal({
      dialect,
      goal: `(5) ${shape}: linear growth (per-revision cost at ${big / 1000}k ≤ 2× that at ${small / 1000}k; quadratic would be ${big / small}×)`,
      measured: `build ${growth(build).toFixed(2)}×, no-op upgrade ${growth(noopUpgrade).toFixed(2)}×`,
      pass: growth(build) <= 2 && growth(noopUpgrade) <= 2,
    });
  }
}

if (import.meta.main) await standalone(scenario);
