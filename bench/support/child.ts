import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const NODE = process.execPath;
export const NODE_ARGS = ['--conditions=upshift-source'];

export interface ChildResult {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
}

/** Runs `node --conditions=upshift-source bench/<script> ...args`; wall time from spawn to exit. */
export function runChild(script: string, args: readonly string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(NODE, [...NODE_ARGS, join(BENCH_DIR, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, ms: performance.now() - started, stdout, stderr }));
  });
}

export async function runChildOk(script: string, args: readonly string[]): Promise<ChildResult> {
  const r = await runChild(script, args);
  if (r.code !== 0) throw new Error(`${script} ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return r;
}
