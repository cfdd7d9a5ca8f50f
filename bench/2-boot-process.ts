/**
 * Scenario 2 — no-op boot, whole process: node start → imports (incl. the 200-module bundle) →
 * ORM init → migration call → exit, with the database already at head. Beside it the floor (the
 * same process with no migration call) and @mikro-orm/migrations' equivalent. Interleaved.
 */
import { createDb, type DialectName } from './support/db.ts';
import { writeBundle } from './support/bundle.ts';
import { runChildOk } from './support/child.ts';
import { fmtMs, median, ratio, type BenchOptions, type Recorder } from './support/report.ts';
import { standalone, type Scenario } from './support/scenario.ts';

const N = 200;
const MODES = ['floor', 'upshift', 'mikro-orm'] as const;
const LABEL = { floor: 'floor (no migration call)', upshift: 'upshift', 'mikro-orm': '@mikro-orm/migrations' };

export const scenario: Scenario = {
  id: '2-boot-process',
  title: `no-op boot as a whole process (${N} revisions, one module each)`,
  async run(options: BenchOptions, rec: Recorder) {
    const bundle = writeBundle('s2', { n: N });
    for (const dialect of options.dialects) await runOn(dialect, bundle, options, rec);
  },
};

async function runOn(dialect: DialectName, bundle: string, options: BenchOptions, rec: Recorder): Promise<void> {
  const dbs = { upshift: await createDb(dialect, 's2u'), 'mikro-orm': await createDb(dialect, 's2m') };
  const location = { floor: dbs.upshift.location, upshift: dbs.upshift.location, 'mikro-orm': dbs['mikro-orm'].location };
  // The first boot of each applies the 200 revisions (and warms the disk cache); not timed.
  for (const mode of MODES) await runChildOk('procs/boot.ts', [mode, dialect, location[mode], bundle]);
  const rounds = options.quick ? 2 : 10;
  const times: Record<string, number[]> = { floor: [], upshift: [], 'mikro-orm': [] };
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < MODES.length; k++) {
      const mode = MODES[(k + round) % MODES.length]!;
      times[mode]!.push((await runChildOk('procs/boot.ts', [mode, dialect, location[mode], bundle])).ms);
    }
  }
  const med = Object.fromEntries(MODES.map((m) => [m, median(times[m]!)])) as Record<(typeof MODES)[number], number>;
  for (const mode of MODES) {
    rec.figure({ dialect, name: `${LABEL[mode]} boot`, value: med[mode], unit: 'ms', detail: `median of ${rounds}${mode === 'floor' ? '' : `, ${ratio(med[mode], med.floor)} the floor`}` });
  }
  rec.goal({
    dialect,
    goal: '(2) whole-process no-op boot ≤ 1.15× the floor',
    measured: `${fmtMs(med.upshift)} vs floor ${fmtMs(med.floor)} = ${ratio(med.upshift, med.floor)} (+${fmtMs(med.upshift - med.floor)}); @mikro-orm/migrations ${ratio(med['mikro-orm'], med.floor)}`,
    pass: med.upshift <= med.floor * 1.15,
  });
  await dbs.upshift.drop();
  await dbs['mikro-orm'].drop();
}

if (import.meta.main) await standalone(scenario);
