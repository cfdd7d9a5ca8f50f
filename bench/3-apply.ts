/**
 * Scenario 3 — apply 200 revisions (each: create one small table, insert one row) to an empty
 * database, median of 5, every tool on a fresh database per trial, interleaved. Beside them the
 * physical limit: the same SQL on the bare driver in the same transaction layout, no bookkeeping.
 * Every tool has opened its first connection before the clock starts, as the bare driver's
 * client has: what is timed is applying, not connecting (scenario 4 times whole processes).
 */
import { createDb, inspect, settle, type DialectName } from './support/db.ts';
import { fmtMs, median, ratio, type BenchOptions, type Recorder } from './support/report.ts';
import { standalone, type Scenario } from './support/scenario.ts';
import {
  alternativesOn,
  LAYOUT,
  LAYOUT_LABEL,
  openTool,
  TOOL_LABEL,
  upshiftIn,
  type ToolName,
} from './support/tools.ts';

const N = 200;
/** MariaDB has no transaction: "all" (DDL commits implicitly): upshift runs in its one layout there. */
function toolsOn(dialect: DialectName): ToolName[] {
  return dialect === 'mariadb'
    ? ['upshift', ...alternativesOn(dialect), 'bare', 'bare-one']
    : ['upshift', 'upshift-all', ...alternativesOn(dialect), 'bare', 'bare-one'];
}

export const scenario: Scenario = {
  id: '3-apply',
  title: `apply ${N} revisions to an empty database`,
  async run(options: BenchOptions, rec: Recorder) {
    for (const dialect of options.dialects) await runOn(dialect, options, rec);
  },
};

async function once(tool: ToolName, dialect: DialectName): Promise<number> {
  const db = await createDb(dialect, 's3');
  try {
    const handle = await openTool(tool, dialect, db.location, { n: N });
    await handle.connect();
    await settle(dialect);
    const started = performance.now();
    await handle.migrate();
    const ms = performance.now() - started;
    await handle.close();
    const [row] = await inspect<{ n: number | string }>(
      dialect,
      db.location,
      `select count(*) as n from "bench_${String(N).padStart(5, '0')}"`,
    );
    if (Number(row?.n) !== 1) throw new Error(`${tool} did not apply revision ${N}`);
    return ms;
  } finally {
    await db.drop();
  }
}

async function runOn(dialect: DialectName, options: BenchOptions, rec: Recorder): Promise<void> {
  const TOOLS = toolsOn(dialect);
  const ALTERNATIVES = alternativesOn(dialect);
  const ours = (layout: Parameters<typeof upshiftIn>[0]) => (dialect === 'mariadb' ? 'upshift' : upshiftIn(layout));
  const trials = options.quick ? 1 : 5;
  const times = new Map<ToolName, number[]>(TOOLS.map((t) => [t, []]));
  if (!options.quick) for (const tool of TOOLS) await once(tool, dialect); // warm-up round, not counted
  for (let trial = 0; trial < trials; trial++) {
    for (let k = 0; k < TOOLS.length; k++) {
      const tool = TOOLS[(k + trial) % TOOLS.length]!;
      times.get(tool)!.push(await once(tool, dialect));
    }
  }
  const med = new Map(TOOLS.map((t) => [t, median(times.get(t)!)]));
  for (const tool of TOOLS) {
    const all = times.get(tool)!;
    rec.figure({
      dialect,
      name: `${TOOL_LABEL[tool]}: apply ${N}`,
      value: med.get(tool)!,
      unit: 'ms',
      detail: `median of ${trials} (${fmtMs(Math.min(...all))}–${fmtMs(Math.max(...all))})`,
    });
  }
  const up = med.get('upshift')!;
  const upAll = med.get('upshift-all') ?? up;
  // Each alternative against upshift in the alternative's own transaction layout: a tool that
  // puts all 200 in one transaction is compared with transaction: "all", not with the default.
  const versus = ALTERNATIVES.map((tool) => {
    const layout = LAYOUT[dialect][tool];
    const mine = med.get(ours(layout))!;
    return { tool, layout, ours: mine, theirs: med.get(tool)!, r: mine / med.get(tool)! };
  });
  const worst = versus.reduce((a, b) => (a.r >= b.r ? a : b));
  rec.goal({
    dialect,
    goal: '(3) apply 200: at least as fast as the fastest alternative, in its transaction layout',
    measured:
      versus
        .map(
          (v) =>
            `${TOOL_LABEL[v.tool]} (${LAYOUT_LABEL[v.layout]}) ${fmtMs(v.theirs)} vs upshift ${fmtMs(v.ours)} = ${ratio(v.ours, v.theirs)}`,
        )
        .join('; ') + `; worst ${ratio(worst.ours, worst.theirs)}`,
    pass: worst.r <= 1,
  });
  const bare = med.get('bare')!;
  const bareOne = med.get('bare-one')!;
  rec.goal({
    dialect,
    goal: `(3) apply 200: ≤ 1.25× the bare driver, same transaction layout${dialect === 'postgresql' ? '' : ' (goal is for PostgreSQL; reported)'}`,
    measured: `each: ${fmtMs(up)} vs ${fmtMs(bare)} = ${ratio(up, bare)}; all: ${fmtMs(upAll)} vs ${fmtMs(bareOne)} = ${ratio(upAll, bareOne)}`,
    pass: dialect === 'postgresql' ? up <= bare * 1.25 && upAll <= bareOne * 1.25 : null,
  });
}

if (import.meta.main) await standalone(scenario);
