/**
 * Runs every scenario (or those named), prints each figure with its goal, writes
 * bench/results.json and regenerates bench/RESULTS.md (full runs only).
 *   node --conditions=upshift-source bench/run.ts [--quick] [--db=postgresql|sqlite] [1 3 ...]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createResults, parseArgs } from './support/report.ts';
import { runScenario, type Scenario } from './support/scenario.ts';
import { BENCH_DIR } from './support/child.ts';
import { diskLatency } from './support/disk.ts';
import { environment, writeResultsMd, type RunRecord } from './results.ts';
import { scenario as s1 } from './1-noop-boot.ts';
import { scenario as s2 } from './2-boot-process.ts';
import { scenario as s3 } from './3-apply.ts';
import { scenario as s4 } from './4-concurrent.ts';
import { scenario as s5 } from './5-large-history.ts';
import { scenario as s6 } from './6-autogenerate.ts';
import { scenario as s7 } from './7-import-cost.ts';
import { scenario as s8 } from './8-tenants.ts';
import { scenario as s9 } from './9-busy-table.ts';

const ALL: Scenario[] = [s1, s2, s3, s4, s5, s6, s7, s8, s9];
const args = process.argv.slice(2);
const options = parseArgs(args);
const picked = args.filter((a) => /^\d$/.test(a));
const scenarios = picked.length ? ALL.filter((s) => picked.includes(s.id[0]!)) : ALL;

const full = !options.quick && !picked.length && options.dialects.length === 2;
const loadAtStart = environment().load;
const diskAtStart = full ? await diskLatency(options.dialects) : undefined;
const started = performance.now();
const results = createResults();
console.log(`upshift bench${options.quick ? ' --quick' : ''}: ${scenarios.map((s) => s.id).join(', ')}`);
for (const s of scenarios) await runScenario(s, options, results);
const seconds = (performance.now() - started) / 1000;

const pass = results.goals.filter((g) => g.pass === true).length;
const miss = results.goals.filter((g) => g.pass === false);
const na = results.goals.filter((g) => g.pass === null).length;
console.log(`\n${pass} PASS, ${miss.length} MISS, ${na} N/A in ${seconds.toFixed(0)} s`);
for (const g of miss) console.log(`  MISS ${g.scenario} [${g.dialect}] ${g.goal}: ${g.measured}`);

if (full) {
  const record: RunRecord = {
    ...environment(),
    seconds,
    results,
    disk: `${diskAtStart} at the start; ${await diskLatency(options.dialects)} at the end`,
  };
  record.load = `${loadAtStart} → ${record.load}`;
  writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(record, null, 2)}\n`);
  writeResultsMd(record);
  console.log('wrote bench/results.json and bench/RESULTS.md');
}
// A quick run is a smoke check: it fails only when a scenario crashed, never on a timing.
if (results.goals.some((g) => g.goal === 'scenario ran')) process.exitCode = 1;
