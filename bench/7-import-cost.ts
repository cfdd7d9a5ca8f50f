/**
 * Scenario 7 — import cost: what `import('upshift')` adds to `import('@mikro-orm/core')`, each in
 * a fresh process, interleaved: the time upshift's import takes once @mikro-orm/core is loaded.
 * Twice: from the TypeScript sources (node strips the types, as in this repo's tests) and from
 * the built JavaScript (what an npm user loads: dist/, bundled by `npm run build`).
 */
import { runChildOk } from './support/child.ts';
import { compiledUpshift } from './support/dist.ts';
import { fmtDelta, median, type BenchOptions, type Recorder } from './support/report.ts';
import { standalone, type Scenario } from './support/scenario.ts';

export const scenario: Scenario = {
  id: '7-import-cost',
  title: "import('upshift') on top of import('@mikro-orm/core')",
  async run(options: BenchOptions, rec: Recorder) {
    const builtEntry = compiledUpshift();
    const modes = ['core', 'core+upshift', 'core+built'] as const;
    const times: Record<string, number[]> = { core: [], 'core+upshift': [], 'core+built': [] };
    // What upshift adds, measured inside each process that imports both (its time after
    // @mikro-orm/core is loaded), so the noise between processes does not enter the difference.
    const added: Record<string, number[]> = { 'core+upshift': [], 'core+built': [] };
    const rounds = options.quick ? 6 : 20;
    for (let round = -1; round < rounds; round++) {
      for (let k = 0; k < modes.length; k++) {
        const mode = modes[(k + Math.max(round, 0)) % modes.length]!;
        const { stdout } = await runChildOk('procs/import.ts', [mode, builtEntry]);
        if (round < 0) continue;
        const { core, total } = JSON.parse(stdout) as { core: number; total: number };
        times[mode]!.push(total);
        added[mode]?.push(total - core);
      }
    }
    const core = median(times.core!);
    const src = median(added['core+upshift']!);
    const built = median(added['core+built']!);
    rec.figure({
      dialect: '-',
      name: "import('@mikro-orm/core')",
      value: core,
      unit: 'ms',
      detail: `median of ${rounds} fresh processes`,
    });
    rec.figure({
      dialect: '-',
      name: "+ import('upshift') from lib/*.ts sources",
      value: src,
      unit: 'ms',
      detail: `median over ${rounds} processes of the time after @mikro-orm/core; difference of whole-import medians: ${fmtDelta(median(times['core+upshift']!) - core)}`,
    });
    rec.figure({
      dialect: '-',
      name: "+ import('upshift') compiled (dist/)",
      value: built,
      unit: 'ms',
      detail: `median over ${rounds} processes of the time after @mikro-orm/core; difference of whole-import medians: ${fmtDelta(median(times['core+built']!) - core)}`,
    });
    rec.goal({
      dialect: '-',
      goal: "(7) import('upshift') adds ≤ 15 ms to @mikro-orm/core (compiled, as published)",
      measured: `${fmtDelta(built)} (from TS sources: ${fmtDelta(src)})`,
      pass: built <= 15,
    });
  },
};

if (import.meta.main) await standalone(scenario);
