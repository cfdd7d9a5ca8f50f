/**
 * Scenario 6 — autogenerate: 200 entities, 50 existing revisions (4 tables each, their SQL taken
 * from MikroORM's own schema generator, so the bundle matches the entities). Timed: revision()
 * (shadow replay + diff + write) for a change of one column and one new entity, and check()
 * (shadow replay, upgrade → downgrade → upgrade of each revision, diff).
 * Runs only when upshift/dev exports revision() and check(); otherwise says so.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MikroORM } from '@mikro-orm/core';
import { createDb, openOrm, settle, type DialectName } from './support/db.ts';
import { GENERATED } from './support/bundle.ts';
import { declaredEntry } from '../lib/dev/bundle.ts';
import { validateRevision } from '../lib/revision.ts';
import { fmtMs, median, ratio, type BenchOptions, type Recorder } from './support/report.ts';
import { standalone, type Scenario } from './support/scenario.ts';

// --quick (a smoke run) uses a small model: its figures are not the goal's.
const QUICK = process.argv.includes('--quick');
const ENTITIES = QUICK ? 40 : 200;
const REVISIONS = QUICK ? 10 : 50;
const GOAL_MS = 2000;

type DevApi = {
  revision: (o: { orm: MikroORM; dir: string; message: string; logger?: unknown }) => Promise<{ path: string } | null>;
  check: (o: { orm: MikroORM; revisions: readonly unknown[] }) => Promise<unknown>;
};

export const scenario: Scenario = {
  id: '6-autogenerate',
  title: `autogenerate: ${ENTITIES} entities, ${REVISIONS} existing revisions`,
  async run(options: BenchOptions, rec: Recorder) {
    let dev: Partial<DevApi> = {};
    try {
      dev = (await import('upshift/dev')) as unknown as Partial<DevApi>;
    } catch (error) {
      rec.note(`upshift/dev could not be imported: ${(error as Error).message}`);
    }
    if (typeof dev.revision !== 'function' || typeof dev.check !== 'function') {
      for (const dialect of options.dialects) {
        rec.goal({
          dialect,
          goal: `(6) revision() and check() under 2 s for ${ENTITIES} entities`,
          measured: 'not available yet: upshift/dev does not export revision() and check()',
          pass: null,
        });
      }
      return;
    }
    for (const dialect of options.dialects) await runOn(dialect, dev as DevApi, options, rec);
  },
};

async function entities(extra: boolean): Promise<unknown[]> {
  const { EntitySchema } = await import('@mikro-orm/core');
  const list: unknown[] = [];
  for (let i = 1; i <= ENTITIES + (extra ? 1 : 0); i++) {
    const name = `E${String(i).padStart(3, '0')}`;
    list.push(
      new EntitySchema({
        name,
        tableName: name.toLowerCase(),
        properties: {
          id: { type: 'number', primary: true },
          name: { type: 'string', length: 100 },
          score: { type: 'number', nullable: true },
          createdAt: { type: 'Date' },
          ...(extra && i === 1 ? { email: { type: 'string', length: 255, nullable: true } } : {}),
        },
      }),
    );
  }
  return list;
}

interface RevisionSql {
  up: string[];
  down: string[];
}

/** The bundle: 50 revision files creating the 200 tables, 4 each, in MikroORM's own DDL. */
async function writeRevisions(dir: string, orm: MikroORM): Promise<RevisionSql[]> {
  const ddl = await orm.schema.getCreateSchemaSQL({ wrap: false });
  const statements = ddl
    .split(/;\s*\n/)
    .map((s) => s.trim().replace(/;$/, ''))
    .filter((s) => s && !/^(set|pragma)\b/i.test(s));
  const byTable = new Map<string, string[]>();
  for (const s of statements) {
    const table = /\b(?:table|on)\s+[`"]?(e\d{3})[`"]?/i.exec(s)?.[1];
    if (!table) throw new Error(`cannot place statement: ${s}`);
    byTable.set(table, [...(byTable.get(table) ?? []), s]);
  }
  const list: string[] = [];
  const sql: RevisionSql[] = [];
  const perRevision = ENTITIES / REVISIONS;
  for (let r = 1; r <= REVISIONS; r++) {
    const id = `a${String(r).padStart(11, '0')}`;
    const tables = Array.from(
      { length: perRevision },
      (_, k) => `e${String((r - 1) * perRevision + k + 1).padStart(3, '0')}`,
    );
    const up = tables.flatMap((t) => byTable.get(t) ?? []);
    sql.push({ up, down: [...tables].reverse().map((t) => `drop table "${t}"`) });
    writeFileSync(
      join(dir, `${id}.ts`),
      `import type { Revision } from 'upshift';\n\nexport default {\n  id: '${id}',\n  parents: [${r === 1 ? '' : `'a${String(r - 1).padStart(11, '0')}'`}],\n` +
        `  message: 'tables ${tables.join(', ')}',\n  createdAt: '${new Date(Date.UTC(2026, 0, 1) + r * 1000).toISOString()}',\n  transaction: true,\n` +
        `  async up({ sql }) {\n${up.map((s) => `    await sql(${JSON.stringify(s)});\n`).join('')}  },\n` +
        `  async down({ sql }) {\n${[...tables]
          .reverse()
          .map((t) => `    await sql(${JSON.stringify(`drop table "${t}"`)});\n`)
          .join('')}  },\n} satisfies Revision;\n`,
    );
    // Declared in index.ts as revision() declares what it writes.
    const module = (await import(pathToFileURL(join(dir, `${id}.ts`)).href)) as { default: unknown };
    list.push(`  ${declaredEntry(validateRevision(module.default, id), `./${id}.ts`)}`);
  }
  const index = readFileSync(join(dir, 'index.ts'), 'utf8').replace(
    '  // upshift:revisions',
    `${list.join('\n')}\n  // upshift:revisions`,
  );
  writeFileSync(join(dir, 'index.ts'), index);
  return sql;
}

/**
 * What check()'s round trips cannot go below: the revisions' own statements, up, down and up
 * again for each, one transaction per step, sent by the bare driver to a fresh database, with
 * no schema reads and no bookkeeping.
 */
async function roundTripFloor(dialect: DialectName, revisions: readonly RevisionSql[]): Promise<number> {
  const db = await createDb(dialect, 's6f');
  try {
    if (dialect === 'postgresql') {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: db.location });
      await client.connect();
      // As check()'s shadow database does: its commits need not wait for the disk.
      await client.query('set synchronous_commit = off');
      try {
        const started = performance.now();
        for (const r of revisions) {
          for (const step of [r.up, r.down, r.up]) {
            await client.query('begin');
            for (const s of step) await client.query(s);
            await client.query('commit');
          }
        }
        return performance.now() - started;
      } finally {
        await client.end();
      }
    }
    const { default: Sqlite } = await import('better-sqlite3');
    const conn = new Sqlite(':memory:'); // as check()'s shadow
    try {
      const started = performance.now();
      for (const r of revisions)
        for (const step of [r.up, r.down, r.up])
          conn.transaction(() => {
            for (const s of step) conn.exec(s);
          })();
      return performance.now() - started;
    } finally {
      conn.close();
    }
  } finally {
    await db.drop();
  }
}

async function runOn(dialect: DialectName, dev: DevApi, options: BenchOptions, rec: Recorder): Promise<void> {
  const { init } = (await import('upshift/dev')) as unknown as { init: (o: { dir: string }) => Promise<unknown> };
  const { pino } = await import('pino');
  const logger = pino({ level: 'error' }); // revision() warns about the down() it generates: expected here
  const root = join(GENERATED, `s6-${dialect}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const dir = join(root, 'revisions');
  const db = await createDb(dialect, 's6');
  const orm = await openOrm(dialect, db.location, { entities: await entities(false) });
  const changed = await openOrm(dialect, db.location, { entities: await entities(true) });
  try {
    await init({ dir });
    const revisionSql = await writeRevisions(dir, orm);
    const pristineIndex = readFileSync(join(dir, 'index.ts'), 'utf8');
    const { revisions } = (await import(join(dir, 'index.ts'))) as { revisions: readonly unknown[] };
    const rounds = options.quick ? 1 : 3;
    const checkTimes: number[] = [];
    const floorTimes: number[] = [];
    const revisionTimes: number[] = [];
    let checkError = '';
    for (let i = 0; i < rounds; i++) {
      // Each measurement starts from a checkpoint, as in scenarios 3 and 4: the hundreds of tables
      // the one before created and dropped are flushed before the clock starts, not during it.
      await settle(dialect);
      let started = performance.now();
      try {
        await dev.check({ orm, revisions });
      } catch (error) {
        checkError = `${(error as Error).name}: ${(error as Error).message.slice(0, 300)}`;
      }
      checkTimes.push(performance.now() - started);
      await settle(dialect);
      floorTimes.push(await roundTripFloor(dialect, revisionSql));
      await settle(dialect);
      started = performance.now();
      const generated = await dev.revision({ orm: changed, dir, message: 'add email, add e201', logger });
      revisionTimes.push(performance.now() - started);
      if (!generated) throw new Error('revision() found no change between the entities and the revisions');
      rmSync(generated.path);
      writeFileSync(join(dir, 'index.ts'), pristineIndex);
    }
    const rev = median(revisionTimes);
    const chk = median(checkTimes);
    rec.figure({
      dialect,
      name: `revision() with ${ENTITIES} entities, ${REVISIONS} revisions`,
      value: rev,
      unit: 'ms',
      detail: `median of ${rounds}`,
    });
    rec.figure({
      dialect,
      name: `check() with ${ENTITIES} entities, ${REVISIONS} revisions`,
      value: chk,
      unit: 'ms',
      detail: `median of ${rounds}${checkError ? `; threw ${checkError}` : ''}`,
    });
    rec.goal({ dialect, goal: '(6) revision() under 2 s', measured: fmtMs(rev), pass: rev < GOAL_MS });
    const floor = median(floorTimes);
    rec.figure({
      dialect,
      name: "floor: the revisions' own SQL, up + down + up each, bare driver",
      value: floor,
      unit: 'ms',
      detail: `median of ${rounds}; check() is ${ratio(chk, floor)} this`,
    });
    rec.goal({
      dialect,
      goal: '(6) check() under 2 s',
      measured: checkError
        ? `${fmtMs(chk)}, but it threw: ${checkError}`
        : `${fmtMs(chk)} (the revisions' own SQL alone, bare driver: ${fmtMs(floor)}; ${ratio(chk, floor)})`,
      pass: !checkError && chk < GOAL_MS,
    });
  } finally {
    await orm.close(true);
    await changed.close(true);
    await db.drop();
  }
}

if (import.meta.main) await standalone(scenario);
