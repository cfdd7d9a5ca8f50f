/**
 * Scenario 5 — large history: 1k, 3k and 10k revisions, linear and with a branch + merge every
 * 10. Timed: graph build + validate (new Migrator: validation of every entry, the DAG, the
 * topological order — no database access), and a no-op upgrade() against a database at head:
 * the first call of a new Migrator, as a boot makes it (it also digests the bundle once), and a
 * repeated call.
 * The build is timed on the bundle as production loads it, revisions/index.ts as revision()
 * writes it (declared entries), and reported for a bundle of modules' default exports too.
 * Growth is linear when the per-revision cost stays flat from 1k to 10k. The sizes are timed
 * interleaved with each other.
 */
import type { MikroORM } from '@mikro-orm/core';
import { Migrator, type LazyRevision, type Revision } from 'upshift';
import { checksumOf } from '../lib/checksum.ts';
import { validateRevision } from '../lib/revision.ts';
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

/** Plain objects, as revision modules export them: the Migrator validates each one. */
export function history(n: number, shape: Shape): Revision[] {
  const id = (i: number) => `h${String(i).padStart(6, '0')}`;
  const at = (i: number) => new Date(Date.UTC(2020, 0, 1) + i * 1000).toISOString();
  const list: Revision[] = [];
  const revision = (id: string, parents: string[], createdAt: string, message = ''): Revision => ({
    id,
    parents,
    createdAt,
    message,
    transaction: true,
    up: noop,
    down: noop,
  });
  let prev: string[] = [];
  for (let i = 1; list.length < n; i++) {
    if (shape === 'branchy' && i % 10 === 0 && list.length + 3 <= n) {
      // a branch of two siblings, then their merge
      const a = `${id(i)}a`;
      const b = `${id(i)}b`;
      list.push(revision(a, prev, at(i)), revision(b, prev, at(i)), revision(id(i), [a, b], at(i), 'merge'));
    } else {
      list.push(revision(id(i), prev, at(i)));
    }
    prev = [list[list.length - 1]!.id];
  }
  return list;
}

/** The same bundle as revisions/index.ts declares it: graph and checksum per entry, the module loaded when needed. */
function declared(revisions: readonly Revision[]): LazyRevision[] {
  return revisions.map((r) => {
    const loaded = validateRevision(r, r.id);
    return {
      id: r.id,
      parents: r.parents,
      createdAt: r.createdAt,
      checksum: checksumOf(loaded),
      load: async () => ({ default: loaded }),
    };
  });
}

async function runOn(dialect: DialectName, options: BenchOptions, rec: Recorder): Promise<void> {
  const sizes = options.quick ? [1000, 10000] : SIZES;
  const logger = benchLogger();
  for (const shape of SHAPES) {
    const build: Record<number, number> = {};
    const noopUpgrade: Record<number, number> = {};
    const rounds = options.quick ? 5 : 21;
    const warmup = 2;
    // Every size is open at once and timed interleaved, so that a change of the machine's speed
    // during the scenario (common here) lands on all sizes alike instead of bending the growth.
    const opened: {
      n: number;
      orm: MikroORM;
      drop: () => Promise<void>;
      modules: Revision[];
      entries: LazyRevision[];
      migrator: Migrator;
      fresh: Migrator[];
    }[] = [];
    try {
      for (const n of sizes) {
        const modules = history(n, shape);
        const entries = declared(modules);
        const db = await createDb(dialect, 's5');
        const orm: MikroORM = await openOrm(dialect, db.location);
        // One new Migrator per timed first call, built beforehand: the call alone is timed.
        const fresh = Array.from({ length: rounds + warmup }, () => new Migrator({ orm, revisions: entries, logger }));
        opened.push({
          n,
          orm,
          drop: () => db.drop(),
          modules,
          entries,
          migrator: new Migrator({ orm, revisions: entries, logger }),
          fresh,
        });
        // At head without running 10k no-op revisions: stamp() records them all.
        await new Migrator({ orm, revisions: entries, logger }).stamp('heads');
      }
      const upgradeExpectingNoop = async (migrator: Migrator) => {
        const result = await migrator.upgrade();
        if (result.applied.length !== 0) throw new Error('expected a no-op');
      };
      const contenders: Record<string, () => Promise<unknown>> = {};
      for (const { n, orm, modules, entries, migrator, fresh } of opened) {
        contenders[`build ${n}`] = async () => new Migrator({ orm, revisions: entries, logger });
        contenders[`build modules ${n}`] = async () => new Migrator({ orm, revisions: modules, logger });
        contenders[`upgrade ${n}`] = () => upgradeExpectingNoop(fresh.pop()!);
        contenders[`upgrade again ${n}`] = () => upgradeExpectingNoop(migrator);
      }
      const times = await interleave(contenders, rounds, warmup);
      for (const n of sizes) {
        build[n] = median(times[`build ${n}`]!);
        noopUpgrade[n] = median(times[`upgrade ${n}`]!);
        const fromModules = median(times[`build modules ${n}`]!);
        const again = median(times[`upgrade again ${n}`]!);
        rec.figure({
          dialect,
          name: `${shape} ${n}: graph build + validate`,
          value: build[n],
          unit: 'ms',
          detail: `${((build[n] / n) * 1000).toFixed(2)} µs/revision; declared entries, as index.ts holds them`,
        });
        rec.figure({
          dialect,
          name: `${shape} ${n}: graph build + validate, from modules`,
          value: fromModules,
          unit: 'ms',
          detail: `${((fromModules / n) * 1000).toFixed(2)} µs/revision; the modules' default exports`,
        });
        rec.figure({
          dialect,
          name: `${shape} ${n}: no-op upgrade(), a new Migrator's first call`,
          value: noopUpgrade[n],
          unit: 'ms',
          detail: `${((noopUpgrade[n] / n) * 1000).toFixed(2)} µs/revision`,
        });
        rec.figure({
          dialect,
          name: `${shape} ${n}: no-op upgrade(), called again`,
          value: again,
          unit: 'ms',
          detail: `${((again / n) * 1000).toFixed(2)} µs/revision`,
        });
      }
    } finally {
      for (const { orm, drop } of opened) {
        await orm.close(true);
        await drop();
      }
    }
    const big = sizes[sizes.length - 1]!;
    const small = sizes[0]!;
    const growth = (t: Record<number, number>) => t[big]! / big / (t[small]! / small);
    rec.goal({
      dialect,
      goal: `(5) ${shape} ${big}: build + validate ≤ 50 ms`,
      measured: fmtMs(build[big]!),
      pass: build[big]! <= 50,
    });
    rec.goal({
      dialect,
      goal: `(5) ${shape} ${big}: no-op upgrade() ≤ 100 ms (a new Migrator's first call)`,
      measured: fmtMs(noopUpgrade[big]!),
      pass: noopUpgrade[big]! <= 100,
    });
    rec.goal({
      dialect,
      goal: `(5) ${shape}: linear growth (per-revision cost at ${big / 1000}k ≤ 2× that at ${small / 1000}k; quadratic would be ${big / small}×)`,
      measured: `build ${growth(build).toFixed(2)}×, no-op upgrade ${growth(noopUpgrade).toFixed(2)}×`,
      pass: growth(build) <= 2 && growth(noopUpgrade) <= 2,
    });
  }
}

if (import.meta.main) await standalone(scenario);
