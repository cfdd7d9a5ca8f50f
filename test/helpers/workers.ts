import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('../fixtures/upgrade-worker.ts', import.meta.url));

export interface Worker {
  child: ChildProcess;
  done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    // biome-ignore lint/suspicious/noExplicitAny: a worker's JSON result, read field by field by the tests
    result: Record<string, any> | undefined;
    stderr: string;
  }>;
  /** Resolves when the worker logged a line matching `pattern` (stderr). */
  logged(pattern: RegExp): Promise<void>;
  /** With BARRIER=1: resolves when the worker is connected and waiting for go(). */
  ready: Promise<void>;
  go(): void;
}

/**
 * Starts one replica: a real, separate Node process (test/fixtures/upgrade-worker.ts) with its own
 * ORM and connections, against the database at `db.location`. `fixture`: another fixture (a file
 * name in test/fixtures/, or a path) with the same protocol (ready / go / one JSON line).
 */
export function startWorker(
  db: { dialect: string; location: string },
  env: Record<string, string | number> = {},
  fixture?: string,
): Worker {
  // A bare file name is a fixture of test/fixtures/; anything else a path.
  const script = !fixture
    ? WORKER
    : fixture.includes('/')
      ? fixture
      : fileURLToPath(new URL(`../fixtures/${fixture}`, import.meta.url));
  const child = spawn(process.execPath, ['--conditions=upshift-source', script], {
    env: {
      ...process.env,
      DIALECT: db.dialect,
      LOCATION: db.location,
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  let readyResolve!: () => void;
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
  child.stdin!.on('error', () => undefined); // a killed worker's stdin
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
    go: () => child.stdin!.write('go\n'),
    logged: (pattern) =>
      new Promise<void>((resolve) => {
        if (pattern.test(stderr)) resolve();
        else waiters.push({ pattern, resolve });
      }),
  };
}
