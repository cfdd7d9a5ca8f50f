/**
 * Scenario 4 — concurrent boot: 8 processes (PostgreSQL) / 4 (SQLite) start, open their
 * connection, wait at a barrier (a "go" line on stdin), then all migrate 20 revisions at once.
 * A trial is clean when every process exits 0 and each revision ran exactly once (applied_log
 * has one row per revision). Time: from the release to the last exit. upshift runs in its default
 * layout (a transaction per revision) and with transaction: "all"; the goal compares kysely with
 * upshift in kysely's own layout (one transaction on PostgreSQL), as scenario 3 does.
 *
 * The time is the whole process's, and a process with MikroORM in it takes longer to close its
 * pool and to exit than one with kysely alone: with 8 processes that migrate nothing, 17 ms more
 * from release to the last exit (75 against 58 ms, measured 2026-11-22). So the goal is measured
 * against kysely's Migrator in the same MikroORM app (on `em.getKysely()`), a process that
 * differs from upshift's only in the migration tool. kysely alone is reported beside it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createDb, inspect, settle, type DialectName } from './support/db.ts';
import { BENCH_DIR, NODE, NODE_ARGS } from './support/child.ts';
import { fmtMs, median, ratio, type BenchOptions, type Recorder } from './support/report.ts';
import { standalone, type Scenario } from './support/scenario.ts';
import { LAYOUT, LAYOUT_LABEL, TOOL_LABEL, upshiftIn, type ToolName } from './support/tools.ts';

const N = 20;
const PROCESSES: Record<DialectName, number> = { postgresql: 8, sqlite: 4, mariadb: 8 };

export const scenario: Scenario = {
  id: '4-concurrent',
  title: `concurrent boot: ${PROCESSES.postgresql} processes (PostgreSQL) / ${PROCESSES.sqlite} (SQLite) at a barrier, ${N} revisions`,
  async run(options: BenchOptions, rec: Recorder) {
    for (const dialect of options.dialects) await runOn(dialect, options, rec);
  },
};

interface Trial {
  clean: boolean;
  ms: number;
  why: string;
  /** The slowest process's own migrate() and close() times. */
  migrateMs?: number;
  closeMs?: number;
}

async function trial(tool: ToolName, dialect: DialectName): Promise<Trial> {
  const db = await createDb(dialect, 's4');
  try {
    const children = Array.from({ length: PROCESSES[dialect] }, () => {
      const child = spawn(
        NODE,
        [...NODE_ARGS, join(BENCH_DIR, 'procs/concurrent.ts'), tool, dialect, db.location, String(N)],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.stdout.on('data', (d) => (stdout += d));
      const ready = new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.on('exit', (code) => reject(new Error(`exited ${code} before the barrier: ${stderr.slice(-1500)}`)));
      });
      const exited = new Promise<{ code: number | null; at: number; stderr: () => string; stdout: () => string }>(
        (resolve) =>
          child.on('exit', (code) =>
            resolve({ code, at: performance.now(), stderr: () => stderr, stdout: () => stdout }),
          ),
      );
      return { child, ready, exited };
    });
    await Promise.all(children.map((c) => c.ready));
    await settle(dialect);
    const released = performance.now();
    for (const c of children) c.child.stdin.end('go\n');
    const exits = await Promise.all(children.map((c) => c.exited));
    const ms = Math.max(...exits.map((e) => e.at)) - released;
    const own = exits
      .map((e) => /\{"migrateMs".*\}/.exec(e.stdout())?.[0])
      .filter((j): j is string => !!j)
      .map((j) => JSON.parse(j) as { migrateMs: number; closeMs: number });
    const slowest = {
      migrateMs: Math.max(0, ...own.map((o) => o.migrateMs)),
      closeMs: Math.max(0, ...own.map((o) => o.closeMs)),
    };
    const failed = exits.filter((e) => e.code !== 0);
    let rows: { revision: string; n: number | string }[] = [];
    try {
      rows = await inspect(
        dialect,
        db.location,
        'select "revision", count(*) as n from "applied_log" group by "revision"',
      );
    } catch (error) {
      return { clean: false, ms, why: `no applied_log (${(error as Error).message})`, ...slowest };
    }
    const twice = rows.filter((r) => Number(r.n) !== 1).map((r) => r.revision);
    const why = [
      failed.length ? `${failed.length} process(es) failed: ${firstLine(failed[0]!.stderr())}` : '',
      twice.length ? `applied more than once: ${twice.join(', ')}` : '',
      rows.length !== N ? `${rows.length}/${N} revisions applied` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return { clean: why === '', ms, why, ...slowest };
  } finally {
    await db.drop();
  }
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => /error/i.test(l)) ?? text.split('\n')[0] ?? '').trim().slice(0, 200);
}

/** "clean/all" of a tool's trials. */
function cleanOf(list: Trial[]): string {
  return `${list.filter((t) => t.clean).length}/${list.length}`;
}

/**
 * The per-trial summary, a figure per tool: the median time from the release to the last exit,
 * how many trials were clean, the slowest process's own migrate and close times (medians), and
 * the first two reasons a trial was not clean.
 */
function recordFigures(dialect: DialectName, results: Map<ToolName, Trial[]>, rec: Recorder): void {
  for (const [tool, list] of results) {
    const why = [...new Set(list.filter((t) => !t.clean).map((t) => t.why))].slice(0, 2).join(' | ');
    rec.figure({
      dialect,
      name: `${TOOL_LABEL[tool]}: release → last exit`,
      value: median(list.map((t) => t.ms)),
      unit: 'ms',
      detail: `${cleanOf(list)} trials clean; slowest process: migrate ${fmtMs(median(list.map((t) => t.migrateMs ?? 0)))}, close ${fmtMs(median(list.map((t) => t.closeMs ?? 0)))}${why ? `; ${why}` : ''}`,
    });
  }
}

async function runOn(dialect: DialectName, options: BenchOptions, rec: Recorder): Promise<void> {
  if (dialect === 'mariadb') return runOnMariadb(options, rec);
  const trials = options.quick ? 1 : 10;
  const main: ToolName[] = ['upshift', 'upshift-all', 'kysely-in-app', 'kysely'];
  const results = new Map<ToolName, Trial[]>(main.map((t) => [t, []]));
  for (let i = 0; i < trials; i++) {
    for (let k = 0; k < main.length; k++) {
      const tool = main[(k + i) % main.length]!;
      results.get(tool)!.push(await trial(tool, dialect));
    }
  }
  // The others, a few trials each: do they survive a concurrent boot at all?
  const others: ToolName[] = options.quick ? [] : ['mikro-orm', 'knex', 'umzug'];
  for (const tool of others) {
    results.set(tool, []);
    for (let i = 0; i < 3; i++) results.get(tool)!.push(await trial(tool, dialect));
  }
  recordFigures(dialect, results, rec);
  const ky = results.get('kysely-in-app')!;
  const ours = (['upshift', 'upshift-all'] as const).map((tool) => ({ tool, list: results.get(tool)! }));
  rec.goal({
    dialect,
    goal: '(4) every concurrent trial clean',
    measured: `${ours.map((o) => `${TOOL_LABEL[o.tool]} ${cleanOf(o.list)}`).join(', ')} clean (kysely ${cleanOf(ky)}, alone ${cleanOf(results.get('kysely')!)})`,
    pass: ours.every((o) => o.list.every((t) => t.clean)),
  });
  const layout = LAYOUT[dialect].kysely;
  const like = upshiftIn(layout);
  const upMs = median(results.get(like)!.map((t) => t.ms));
  const kyMs = median(ky.map((t) => t.ms));
  const aloneMs = median(results.get('kysely')!.map((t) => t.ms));
  const defaultMs = median(results.get('upshift')!.map((t) => t.ms));
  rec.goal({
    dialect,
    goal: `(4) release → last exit no slower than kysely in the same MikroORM app, in its transaction layout${dialect === 'postgresql' ? '' : ' (goal is for PostgreSQL; reported)'}`,
    measured:
      `kysely (${LAYOUT_LABEL[layout]}) ${fmtMs(kyMs)} vs ${TOOL_LABEL[like]} ${fmtMs(upMs)} = ${ratio(upMs, kyMs)}` +
      (like === 'upshift'
        ? ''
        : `; upshift's default (a transaction each): ${fmtMs(defaultMs)} = ${ratio(defaultMs, kyMs)}`) +
      `; kysely alone, with no MikroORM in its process: ${fmtMs(aloneMs)} (${TOOL_LABEL[like]} ${ratio(upMs, aloneMs)})`,
    pass: dialect === 'postgresql' ? upMs <= kyMs : null,
  });
}

/**
 * MariaDB: upshift (a transaction each, its only layout there) against MikroORM's own migrator
 * and knex, interleaved, 8 processes each; kysely is not benchmarked there.
 */
async function runOnMariadb(options: BenchOptions, rec: Recorder): Promise<void> {
  const dialect = 'mariadb';
  const trials = options.quick ? 1 : 5;
  const tools: ToolName[] = ['upshift', 'mikro-orm', 'knex'];
  const results = new Map<ToolName, Trial[]>(tools.map((t) => [t, []]));
  for (let i = 0; i < trials; i++)
    for (let k = 0; k < tools.length; k++) {
      const tool = tools[(k + i) % tools.length]!;
      results.get(tool)!.push(await trial(tool, dialect));
    }
  recordFigures(dialect, results, rec);
  const ours = results.get('upshift')!;
  rec.goal({
    dialect,
    goal: '(4) every concurrent trial clean',
    measured: `upshift ${cleanOf(ours)} clean (@mikro-orm/migrations ${cleanOf(results.get('mikro-orm')!)}, knex ${cleanOf(results.get('knex')!)})`,
    pass: ours.every((t) => t.clean),
  });
}

if (import.meta.main) await standalone(scenario);
