/**
 * Scenario 9 — changing a busy table (PostgreSQL). Another process reads and writes `busy`
 * steadily; a long transaction of another client has read the table (it holds ACCESS SHARE for a
 * few seconds, like a report); meanwhile upgrade() runs a revision that adds a column and one that
 * builds an index concurrently. Measured: the load's worst query latency with upshift's default
 * `ddl` limits (goal: under the lock timeout plus a margin) and with the timeouts off (the stall
 * that lock_timeout exists to prevent: every query on the table queues behind the ALTER).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { Migrator, defineRevision, type DdlOptions, type Revision } from 'upshift';
import { BENCH_DIR, NODE, NODE_ARGS } from './support/child.ts';
import { createDb, openOrm } from './support/db.ts';
import { fmtMs, type BenchOptions, type Recorder } from './support/report.ts';
import { standalone, type Scenario } from './support/scenario.ts';
import { benchLogger } from './support/tools.ts';

const DEFAULT_LOCK_TIMEOUT_MS = 2_000;

export const scenario: Scenario = {
  id: '9-busy-table',
  title: 'add a column and an index to a table under load, behind a long transaction: worst query latency',
  async run(options: BenchOptions, rec: Recorder) {
    if (!options.dialects.includes('postgresql')) return;
    const holdMs = options.quick ? 3_000 : 6_000;
    const withDefaults = await once(options, holdMs, undefined);
    rec.figure({
      dialect: 'postgresql',
      name: 'worst load query, ddl defaults',
      value: withDefaults.worstMs,
      unit: 'ms',
      detail: `blocker held ${holdMs} ms; upgrade took ${fmtMs(withDefaults.upgradeMs)}`,
    });
    rec.goal({
      dialect: 'postgresql',
      goal: `(9) worst load query with the defaults ≤ lock timeout (${DEFAULT_LOCK_TIMEOUT_MS} ms) + 500 ms`,
      measured: fmtMs(withDefaults.worstMs),
      pass: options.quick ? null : withDefaults.worstMs <= DEFAULT_LOCK_TIMEOUT_MS + 500,
    });
    const off = await once(options, holdMs, { lockTimeoutMs: 0, statementTimeoutMs: 0, retries: 0 });
    rec.figure({
      dialect: 'postgresql',
      name: 'worst load query, timeouts off',
      value: off.worstMs,
      unit: 'ms',
      detail: `the load stalled behind the queued ALTER until the ${holdMs} ms blocker ended`,
    });
  },
};

const revisions = (): Revision[] => [
  defineRevision({
    id: 'busy_base',
    parents: [],
    async up({ sql }) {
      await sql('create table busy (id integer primary key, v integer not null)');
      await sql('insert into busy select g, g % 100 from generate_series(1, 50000) g');
    },
  }),
  defineRevision({
    id: 'busy_col',
    parents: ['busy_base'],
    async up({ sql }) {
      await sql('alter table busy add column note text');
    },
  }),
  defineRevision({
    id: 'busy_idx',
    parents: ['busy_col'],
    transaction: false,
    async up({ sql }) {
      await sql('create index concurrently if not exists busy_v on busy (v)');
    },
  }),
];

async function once(
  _options: BenchOptions,
  holdMs: number,
  ddl: DdlOptions | undefined,
): Promise<{ worstMs: number; upgradeMs: number }> {
  const db = await createDb('postgresql', 'busy');
  const orm = await openOrm('postgresql', db.location);
  try {
    const all = revisions();
    await new Migrator({ orm, revisions: all.slice(0, 1), logger: benchLogger() }).upgrade();
    const load = spawn(NODE, [...NODE_ARGS, join(BENCH_DIR, 'procs/load.ts'), db.location], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    load.stdout.on('data', (d) => (out += String(d)));
    await new Promise<void>((resolve) => {
      const ready = () => (out.includes('ready') ? resolve() : load.stdout.once('data', ready));
      ready();
    });
    const blocker = new pg.Client({ connectionString: db.location, application_name: 'bench report' });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('select count(*) from busy');
    const ended = new Promise((r) => setTimeout(r, holdMs)).then(() => blocker.end());
    const started = performance.now();
    await new Migrator({ orm, revisions: all, logger: benchLogger(), ...(ddl ? { ddl } : {}) }).upgrade();
    const upgradeMs = performance.now() - started;
    await ended;
    await new Promise((r) => setTimeout(r, 200));
    const exited = new Promise((r) => load.once('exit', r));
    load.stdin.write('stop\n');
    await exited;
    const { worstMs } = JSON.parse(out.trim().split('\n').pop()!) as { worstMs: number };
    return { worstMs, upgradeMs };
  } finally {
    await orm.close(true);
    await db.drop();
  }
}

if (import.meta.main) await standalone(scenario);
