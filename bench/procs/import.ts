/**
 * Import cost, measured inside a fresh process: prints the milliseconds its imports took.
 *   node --conditions=upshift-source bench/procs/import.ts <core|core+upshift|core+built> [builtEntry]
 */
const [mode, built] = process.argv.slice(2);
const started = performance.now();
await import('@mikro-orm/core');
const core = performance.now() - started;
if (mode === 'core+upshift') await import('upshift');
if (mode === 'core+built') await import(built!);
process.stdout.write(JSON.stringify({ core, total: performance.now() - started }));
