import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from './databases.ts';

const WORKER = fileURLToPath(new URL('../fixtures/upgrade-worker.ts', import.meta.url));

export interface Worker {
  child: ChildProcess;
  /** Resolves with the worker's exit code and its JSON result line. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; result: Record<string, unknown> | undefined; stderr: string }>;
  /** Resolves when the worker printed a line matching `pattern` on stderr (its log). */
  logged(pattern: RegExp): Promise<void>;
  ready: Promise<void>;
}

/** Starts one upgrade worker: a real, separate Node process with its own ORM and connections. */
export function startWorker(db: TestDatabase, env: Record<string, string | number> = {}): Worker {
  const child = spawn(process.execPath, ['--conditions=upshift-source', WORKER], {
    env: { ...process.env, DIALECT: db.dialect, LOCATION: db.location, ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  let readyResolve: () => void;
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
    if (stdout.includes('ready\n')) readyResolve();
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
    for (const w of waiters.splice(0)) {
      if (w.pattern.test(stderr)) w.resolve();
      else waiters.push(w);
    }
  });
  const done = new Promise<Awaited<Worker['done']>>((resolve) => {
    child.on('close', (code, signal) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      resolve({ code, signal, result: line ? JSON.parse(line) : undefined, stderr });
    });
  });
  return {
    child,
    done,
    ready,
    logged: (pattern) =>
      new Promise<void>((resolve) => {
        if (pattern.test(stderr)) resolve();
        else waiters.push({ pattern, resolve });
      }),
  };
}
