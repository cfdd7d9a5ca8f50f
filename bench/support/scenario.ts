import { dropAll } from './db.ts';
import { createResults, parseArgs, recorder, type BenchOptions, type Recorder, type Results } from './report.ts';

export interface Scenario {
  /** "1-noop-boot" etc. */
  id: string;
  title: string;
  run(options: BenchOptions, rec: Recorder): Promise<void>;
}

export async function runScenario(scenario: Scenario, options: BenchOptions, results: Results): Promise<void> {
  console.log(`\n## ${scenario.id}: ${scenario.title}${options.quick ? ' (quick)' : ''}`);
  const rec = recorder(results, scenario.id);
  const started = performance.now();
  try {
    await scenario.run(options, rec);
  } catch (error) {
    rec.goal({
      dialect: '-',
      goal: 'scenario ran',
      measured: `crashed: ${(error as Error)?.stack ?? String(error)}`,
      pass: false,
    });
  } finally {
    await dropAll();
  }
  console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

/** `node bench/N-name.ts [--quick] [--db=postgresql|sqlite]` runs one scenario on its own. */
export async function standalone(scenario: Scenario): Promise<void> {
  const results = createResults();
  await runScenario(scenario, parseArgs(process.argv.slice(2)), results);
  if (results.goals.some((g) => g.pass === false)) process.exitCode = 1;
}
