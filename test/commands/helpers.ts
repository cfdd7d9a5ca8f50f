import { Writable } from 'node:stream';
import { runCommand, type CommandOptions } from 'upshift/commands';

export interface Ran {
  code: number;
  out: string;
  err: string;
}

/** Runs one command line through the public runCommand, capturing both streams. */
export async function run(argv: string[], options: Omit<CommandOptions, 'out' | 'err'>): Promise<Ran> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        append(String(chunk));
        done();
      },
    });
  const code = await runCommand(argv, { ...options, out: sink((s) => (out += s)), err: sink((s) => (err += s)) });
  return { code, out, err };
}

/** Runs with --json and parses stdout. */
export async function runJson<T = Record<string, unknown>>(
  argv: string[],
  options: Omit<CommandOptions, 'out' | 'err'>,
): Promise<{ code: number; json: T }> {
  const ran = await run([...argv, '--json'], options);
  return { code: ran.code, json: JSON.parse(ran.out) as T };
}
