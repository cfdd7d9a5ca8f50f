/**
 * Scenario 2 — no-op boot, whole process: node start → imports (incl. the 200-module bundle) →
 * ORM init → migration call → exit, with the database already at head. Beside it the floor (the
 * same process with no migration call) and @mikro-orm/migrations' equivalent. Interleaved.
 * Also the floor plus one query: the floor never connects, and a migration call must, so that
 * figure separates what the first connection costs from what upshift costs.
 */
import { createDb, type DialectName } from './support/db.ts';
import { writeBundle } from './support/bundle.ts';
import { runChildOk } from './support/child.ts';
import { compiledUpshift } from './support/dist.ts';
import { fmtDelta, fmtMs, median, ratio, type BenchOptions, type Recorder } from './support/report.ts';
import { standalone, type Scenario } from './support/scenario.ts';

const N = 200;
// "js": the app's production build (compiled bundle, compiled upshift as published); "ts": the
// same from TypeScript sources, stripped by Node at load (as in development).
const MODES = [
  'floor',
  'floor-connected',
  'upshift-js',
  'upshift-js-static',
  'mikro-orm-js',
  'upshift-ts',
  'mikro-orm-ts',
] as const;
type Mode = (typeof MODES)[number];
const LABEL: Record<Mode, string> = {
  floor: 'floor (no migration call)',
  'floor-connected': 'floor + one query (the first connection)',
  'upshift-js': 'upshift (compiled)',
  'upshift-js-static': 'upshift (compiled, revisions as static imports)',
  'mikro-orm-js': '@mikro-orm/migrations (compiled bundle)',
  'upshift-ts': 'upshift (TypeScript sources)',
  'mikro-orm-ts': '@mikro-orm/migrations (TypeScript bundle)',
};

export const scenario: Scenario = {
  id: '2-boot-process',
  title: `no-op boot as a whole process (${N} revisions, one module each)`,
  async run(options: BenchOptions, rec: Recorder) {
    const upshiftEntry = compiledUpshift();
    for (const dialect of options.dialects) {
      // The revisions' SQL quotes identifiers as the database does (backticks on MariaDB).
      const bundles = {
        ts: await writeBundle(`s2${dialect}`, { n: N }, false, dialect),
        js: await writeBundle(`s2js${dialect}`, { n: N }, true, dialect),
      };
      await runOn(dialect, bundles, upshiftEntry, options, rec);
    }
  },
};

async function runOn(
  dialect: DialectName,
  bundles: { ts: string; js: string },
  upshiftEntry: string,
  options: BenchOptions,
  rec: Recorder,
): Promise<void> {
  const dbs = { upshift: await createDb(dialect, 's2u'), 'mikro-orm': await createDb(dialect, 's2m') };
  const args = (mode: Mode): string[] => {
    if (mode === 'floor' || mode === 'floor-connected') return [mode, dialect, dbs.upshift.location, bundles.ts];
    if (mode === 'upshift-js-static')
      return ['upshift', dialect, dbs.upshift.location, bundles.js, 'js', upshiftEntry, 'static-index'];
    const [tool, ext] = mode.split(/-(?=js$|ts$)/) as ['upshift' | 'mikro-orm', 'js' | 'ts'];
    return [
      tool,
      dialect,
      dbs[tool].location,
      bundles[ext],
      ext,
      ...(tool === 'upshift' && ext === 'js' ? [upshiftEntry] : []),
    ];
  };
  // The first boot of each applies the 200 revisions (and warms the disk cache); not timed.
  for (const mode of MODES) await runChildOk('procs/boot.ts', args(mode));
  const rounds = options.quick ? 2 : 10;
  const times = Object.fromEntries(MODES.map((m) => [m, [] as number[]])) as Record<Mode, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < MODES.length; k++) {
      const mode = MODES[(k + round) % MODES.length]!;
      times[mode].push((await runChildOk('procs/boot.ts', args(mode))).ms);
    }
  }
  const med = Object.fromEntries(MODES.map((m) => [m, median(times[m])])) as Record<Mode, number>;
  for (const mode of MODES) {
    rec.figure({
      dialect,
      name: `${LABEL[mode]} boot`,
      value: med[mode],
      unit: 'ms',
      detail: `median of ${rounds}${mode === 'floor' ? '' : `, ${ratio(med[mode], med.floor)} the floor`}`,
    });
  }
  rec.goal({
    dialect,
    goal: '(2) whole-process no-op boot ≤ 1.15× the floor (compiled, as deployed)',
    measured:
      `${fmtMs(med['upshift-js'])} vs floor ${fmtMs(med.floor)} = ${ratio(med['upshift-js'], med.floor)} (${fmtDelta(med['upshift-js'] - med.floor)}); ` +
      `vs the floor that sends one query (and so connects) ${fmtMs(med['floor-connected'])}: ${ratio(med['upshift-js'], med['floor-connected'])} (${fmtDelta(med['upshift-js'] - med['floor-connected'])}); ` +
      `revisions as static imports ${ratio(med['upshift-js-static'], med.floor)}; @mikro-orm/migrations ${ratio(med['mikro-orm-js'], med.floor)}; from TypeScript sources: upshift ${ratio(med['upshift-ts'], med.floor)}, @mikro-orm/migrations ${ratio(med['mikro-orm-ts'], med.floor)}`,
    pass: med['upshift-js'] <= med.floor * 1.15,
  });
  await dbs.upshift.drop();
  await dbs['mikro-orm'].drop();
}

if (import.meta.main) await standalone(scenario);
