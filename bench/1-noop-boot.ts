/**
 * Scenario 1 — no-op boot, in process: the database already holds all 200 revisions; each tool
 * is asked to migrate with its connection open, interleaved, and we take the median. Also: how
 * many statements each sends for it (upshift must send exactly one).
 */
import { createDb, type DialectName } from './support/db.ts';
import { fmtMs, interleave, median, ratio, type BenchOptions, type Recorder } from './support/report.ts';
import { standalone, type Scenario } from './support/scenario.ts';
import { ALTERNATIVES, openTool, TOOL_LABEL, type ToolHandle, type ToolName } from './support/tools.ts';

const N = 200;
const TOOLS: ToolName[] = ['upshift', ...ALTERNATIVES];

export const scenario: Scenario = {
  id: '1-noop-boot',
  title: `no-op upgrade() in process, ${N} revisions applied, connection open`,
  async run(options: BenchOptions, rec: Recorder) {
    for (const dialect of options.dialects) await runOn(dialect, options, rec);
  },
};

async function runOn(dialect: DialectName, options: BenchOptions, rec: Recorder): Promise<void> {
  const spec = { n: N };
  const handles = new Map<ToolName, ToolHandle>();
  const statements = new Map<ToolName, number>();
  try {
    for (const tool of TOOLS) {
      const db = await createDb(dialect, 's1');
      const handle = await openTool(tool, dialect, db.location, spec);
      await handle.migrate(); // now at head
      handles.set(tool, handle);
      // Count statements on a second, instrumented instance (so logging costs nothing in the timing).
      let count = 0;
      const counted = await openTool(tool, dialect, db.location, spec, { onStatement: () => count++ });
      await counted.migrate(); // a first call may do one-off work (e.g. create tables); count the second
      count = 0;
      await counted.migrate();
      statements.set(tool, count);
      await counted.close();
    }
    const rounds = options.quick ? 15 : 60;
    const times = await interleave(
      Object.fromEntries([...handles].map(([tool, h]) => [tool, () => h.migrate()])),
      rounds,
      3,
    );
    const med = new Map(TOOLS.map((t) => [t, median(times[t]!)]));
    for (const tool of TOOLS) {
      rec.figure({ dialect, name: `${TOOL_LABEL[tool]} no-op`, value: med.get(tool)!, unit: 'ms', detail: `${statements.get(tool)} statement(s), median of ${rounds}` });
    }
    const fastest = ALTERNATIVES.reduce((a, b) => (med.get(a)! <= med.get(b)! ? a : b));
    const up = med.get('upshift')!;
    const fast = med.get(fastest)!;
    rec.figure({ dialect, name: `upshift / fastest alternative (${TOOL_LABEL[fastest]})`, value: up / fast, unit: 'ratio' });
    rec.goal({
      dialect,
      goal: '(1) no-op upgrade() ≤ 1/3 of the fastest alternative',
      measured: `${fmtMs(up)} vs ${fmtMs(fast)} (${TOOL_LABEL[fastest]}) = ${ratio(up, fast)} (goal ≤ 0.33×)`,
      pass: up <= fast / 3,
    });
    rec.goal({ dialect, goal: '(1) exactly 1 statement on a no-op boot', measured: `${statements.get('upshift')} statement(s)`, pass: statements.get('upshift') === 1 });
  } finally {
    for (const h of handles.values()) await h.close().catch(() => undefined);
  }
}

if (import.meta.main) await standalone(scenario);
