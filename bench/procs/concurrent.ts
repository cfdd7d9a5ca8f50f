/**
 * One replica of a concurrent boot. Opens its tool (imports, connection), says "ready" on stdout,
 * waits for "go" on stdin (the barrier), migrates, exits 0 — or prints the error and exits 1.
 *   node --conditions=upshift-source bench/procs/concurrent.ts <tool> <dialect> <location> <n>
 */
import { openTool, type ToolName } from '../support/tools.ts';
import type { DialectName } from '../support/db.ts';

const [tool, dialect, location, n] = process.argv.slice(2) as [ToolName, DialectName, string, string];
const handle = await openTool(tool, dialect, location, { n: Number(n), sideEffects: true });
process.stdout.write('ready\n');
await new Promise<void>((resolve) => {
  process.stdin.once('data', () => resolve());
});
process.stdin.pause();
try {
  const released = performance.now();
  await handle.migrate();
  const migrated = performance.now();
  await handle.close();
  // How this process spent the time after the release: the parent reports the slowest.
  process.stdout.write(
    `${JSON.stringify({ migrateMs: migrated - released, closeMs: performance.now() - migrated })}\n`,
  );
} catch (error) {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  await handle.close().catch(() => undefined);
  process.exit(1);
}
