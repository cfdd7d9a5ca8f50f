/**
 * Scenario 7 — import cost: what `import('upshift')` adds to `import('@mikro-orm/core')`, each in
 * a fresh process, interleaved. Twice: from the TypeScript sources (node strips the types, as in
 * this repo's tests) and from the compiled JavaScript (what an npm user loads: dist/).
 */
import { runChildOk } from './support/child.ts';
import { compiledUpshift } from './support/dist.ts';
import { fmtMs, median, type BenchOptions, type Recorder } from './support/report.ts';
import { standalone, type Scenario } from './support/scenario.ts';

export const scenario: Scenario = {
  id: '7-import-cost',
  title: "import('upshift') on top of import('@mikro-orm/core')",
  async run(options: BenchOptions, rec: Recorder) {
    const builtEntry = compiledUpshift();
    const modes = ['core', 'core+upshift', 'core+built'] as const;
    const times: Record<string, number[]> = { core: [], 'core+upshift': [], 'core+built': [] };
    const rounds = options.quick ? 6 : 20;
    for (let round = -1; round < rounds; round++) {
      for (let k = 0; k < modes.length; k++) {
        const mode = modes[(k + Math.max(round, 0)) % modes.length]!;
        const { stdout } = await runChildOk('procs/import.ts', [mode, builtEntry]);
        if (round >= 0) times[mode]!.push(JSON.parse(stdout).total);
      }
    }
    const core = median(times.core!);
    const src = median(times['core+upshift']!);
    const built = median(times['core+built']!);
    rec.figure({ dialect: '-', name: "import('@mikro-orm/core')", value: core, unit: 'ms', detail: `median of ${rounds} fresh processes` });
    rec.figure({ dialect: '-', name: "+ import('upshift') from lib/*.ts sources", value: src, unit: 'ms', detail: `+${fmtMs(src - core)}` });
    rec.figure({ dialect: '-', name: "+ import('upshift') compiled (dist/*.js)", value: built, unit: 'ms', detail: `+${fmtMs(built - core)}` });
    rec.goal({ dialect: '-', goal: "(7) import('upshift') adds ≤ 15 ms to @mikro-orm/core (compiled, as published)", measured: `+${fmtMs(built - core)} (from TS sources: +${fmtMs(src - core)})`, pass: built - core <= 15 });
  },
};

if (import.meta.main) await standalone(scenario);
