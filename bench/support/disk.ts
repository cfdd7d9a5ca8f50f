/**
 * How slow the disk is right now, printed at the start and the end of a full run: the median time
 * to make 4 KB durable in the temp folder where SQLite's files live (a write and an fdatasync), and
 * of a PostgreSQL commit that must reach its WAL on disk, and of one that creates a table like the
 * bench's revisions do (new files, catalog rows). Scenarios 3, 4 and 6 wait on these, and on a
 * shared machine they move by several times within an hour: they say how to read a run.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, type DialectName } from './db.ts';
import { fmtMs, median } from './report.ts';

const SAMPLES = 30;

export async function diskLatency(dialects: readonly DialectName[]): Promise<string> {
  const parts = [`fdatasync of 4 KB ${fmtMs(fileSync())}`];
  if (dialects.includes('postgresql')) {
    const pg = await pgCommits();
    parts.push(`PostgreSQL commit of an insert ${fmtMs(pg.insert)}, of a create table ${fmtMs(pg.createTable)}`);
  }
  return `${parts.join(', ')} (medians of ${SAMPLES})`;
}

function fileSync(): number {
  const dir = mkdtempSync(join(tmpdir(), 'upshift-bench-disk-'));
  const fd = openSync(join(dir, 'probe'), 'w');
  const page = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < SAMPLES; i++) {
      const started = performance.now();
      writeSync(fd, page, 0, page.length, 0);
      fdatasyncSync(fd);
      times.push(performance.now() - started);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return median(times);
}

async function pgCommits(): Promise<{ insert: number; createTable: number }> {
  const { default: pg } = await import('pg');
  const db = await createDb('postgresql', 'disk');
  const client = new pg.Client({ connectionString: db.location });
  const timed = async (sql: (i: number) => string) => {
    const times: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const started = performance.now();
      await client.query(sql(i));
      times.push(performance.now() - started);
    }
    return median(times);
  };
  try {
    await client.connect();
    // A regular table: a temporary one writes no WAL, and its commit does not wait for the disk.
    await client.query('set synchronous_commit = on; create table probe (n integer)');
    return {
      insert: await timed(() => 'insert into probe values (1)'),
      createTable: await timed(
        (i) => `create table probe_${i} ("id" serial primary key, "name" varchar(100) not null)`,
      ),
    };
  } finally {
    await client.end().catch(() => undefined);
    await db.drop();
  }
}
