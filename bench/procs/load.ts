/**
 * A steady read/write load on table `busy` (bench 9), in a process of its own like another
 * replica: one read and one write in turn on one connection. Prints "ready" once connected; on a
 * line on stdin it stops and prints the worst single query latency in ms.
 *   node bench/procs/load.ts <postgres url>
 */
import pg from 'pg';

const client = new pg.Client({ connectionString: process.argv[2], application_name: 'bench load' });
await client.connect();
let running = true;
let worst = 0;
let queries = 0;
process.stdin.once('data', () => (running = false));
console.log('ready');
while (running) {
  for (const sql of ['select count(*) from busy where id < 100', 'update busy set v = v + 1 where id = 1']) {
    const started = performance.now();
    await client.query(sql);
    worst = Math.max(worst, performance.now() - started);
    queries++;
  }
  await new Promise((r) => setTimeout(r, 5));
}
await client.end();
console.log(JSON.stringify({ worstMs: worst, queries }));
process.stdin.destroy();
