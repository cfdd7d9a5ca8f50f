/**
 * Scenario 1 — no-op boot, in process: the database already holds all 200 revisions; each tool
 * is asked to migrate with its connection open, interleaved, and we take the median. Also: how
 * many statements each sends for it (upshift must send exactly one). Beside them the physical
 * limit: upshift's one statement, as its query log shows it, sent by the bare driver on a
 * connection of its own the way upshift sends it (a pooled named statement on PostgreSQL, a
 * statement prepared once on SQLite).
 */
import pg from 'pg';
import { createDb, type DialectName } from './support/db.ts';
import { fmtMs, interleave, median, ratio, type BenchOptions, type Recorder } from './support/report.ts';
import { standalone, type Scenario } from './support/scenario.ts';
import { alternativesOn, openTool, TOOL_LABEL, type ToolHandle, type ToolName } from './support/tools.ts';

const N = 200;

export const scenario: Scenario = {
  id: '1-noop-boot',
  title: `no-op upgrade() in process, ${N} revisions applied, connection open`,
  async run(options: BenchOptions, rec: Recorder) {
    for (const dialect of options.dialects) await runOn(dialect, options, rec);
  },
};

async function runOn(dialect: DialectName, options: BenchOptions, rec: Recorder): Promise<void> {
  const ALTERNATIVES = alternativesOn(dialect);
  const TOOLS: ToolName[] = ['upshift', ...ALTERNATIVES];
  const spec = { n: N };
  const handles = new Map<ToolName, ToolHandle>();
  const statements = new Map<ToolName, number>();
  let floor: BareRead | undefined;
  try {
    for (const tool of TOOLS) {
      const db = await createDb(dialect, 's1');
      const handle = await openTool(tool, dialect, db.location, spec);
      await handle.migrate(); // now at head
      handles.set(tool, handle);
      // Count statements on a second, instrumented instance (so logging costs nothing in the timing).
      const sent: string[] = [];
      const counted = await openTool(tool, dialect, db.location, spec, {
        onStatement: (message) => sent.push(message),
      });
      await counted.migrate(); // a first call may do one-off work (e.g. create tables); count the second
      sent.length = 0;
      await counted.migrate();
      statements.set(tool, sent.length);
      await counted.close();
      if (tool === 'upshift') floor = await openBareRead(dialect, db.location, statementOf(sent));
    }
    const rounds = options.quick ? 15 : 60;
    const times = await interleave(
      {
        ...Object.fromEntries([...handles].map(([tool, h]) => [tool, () => h.migrate()])),
        [FLOOR]: () => floor!.read(),
      },
      rounds,
      3,
    );
    const med = new Map(TOOLS.map((t) => [t, median(times[t]!)]));
    for (const tool of TOOLS) {
      rec.figure({
        dialect,
        name: `${TOOL_LABEL[tool]} no-op`,
        value: med.get(tool)!,
        unit: 'ms',
        detail: `${statements.get(tool)} statement(s), median of ${rounds}`,
      });
    }
    const bare = median(times[FLOOR]!);
    rec.figure({
      dialect,
      name: 'bare driver: the same one statement',
      value: bare,
      unit: 'ms',
      detail: `median of ${rounds}; upshift is ${ratio(med.get('upshift')!, bare)} this`,
    });
    const fastest = ALTERNATIVES.reduce((a, b) => (med.get(a)! <= med.get(b)! ? a : b));
    const up = med.get('upshift')!;
    const fast = med.get(fastest)!;
    rec.figure({
      dialect,
      name: `upshift / fastest alternative (${TOOL_LABEL[fastest]})`,
      value: up / fast,
      unit: 'ratio',
    });
    rec.goal({
      dialect,
      goal: '(1) no-op upgrade() ≤ 1/3 of the fastest alternative',
      measured: `${fmtMs(up)} vs ${fmtMs(fast)} (${TOOL_LABEL[fastest]}) = ${ratio(up, fast)} (goal ≤ 0.33×); the bare driver's same statement alone: ${fmtMs(bare)} = ${ratio(bare, fast)}`,
      pass: up <= fast / 3,
    });
    rec.goal({
      dialect,
      goal: '(1) exactly 1 statement on a no-op boot',
      measured: `${statements.get('upshift')} statement(s)`,
      pass: statements.get('upshift') === 1,
    });
  } finally {
    for (const h of handles.values()) await h.close().catch(() => undefined);
    await floor?.close();
  }
}

const FLOOR = 'bare';

interface BareRead {
  read(): Promise<unknown>;
  close(): Promise<void>;
}

/** The SQL of the one statement MikroORM's query log showed (a line like `[query] <sql> [took 0 ms]`). */
function statementOf(logged: string[]): string {
  const sql = /\[query\] (.*) \[took /.exec(logged[0] ?? '')?.[1];
  if (logged.length !== 1 || !sql)
    throw new Error(`expected upshift's one statement in the query log, got: ${logged.join(' | ')}`);
  return sql;
}

async function openBareRead(dialect: DialectName, location: string, sql: string): Promise<BareRead> {
  if (dialect === 'postgresql') {
    const pool = new pg.Pool({ connectionString: location });
    const query = { name: 'bench_floor', text: sql };
    return {
      async read() {
        const client = await pool.connect();
        try {
          return (await client.query(query)).rows[0];
        } finally {
          client.release();
        }
      },
      close: () => pool.end(),
    };
  }
  if (dialect === 'mariadb') {
    const { default: mysql } = await import('mysql2/promise');
    const pool = mysql.createPool({ uri: location, connectionLimit: 1 });
    return {
      read: async () => ((await pool.query(sql))[0] as unknown[])[0],
      close: () => pool.end(),
    };
  }
  const { default: Sqlite } = await import('better-sqlite3');
  const conn = new Sqlite(location);
  const statement = conn.prepare(sql);
  return {
    read: async () => statement.get(),
    close: async () => void conn.close(),
  };
}

if (import.meta.main) await standalone(scenario);
