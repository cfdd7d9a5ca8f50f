import { Writable } from 'node:stream';
import { runCommand, type CommandOptions } from 'upshift/commands';

/** A configuration without its streams (the helpers capture them). */
export type Config = CommandOptions extends infer C ? (C extends unknown ? Omit<C, 'out' | 'err'> : never) : never;

export interface Ran {
  code: number;
  out: string;
  err: string;
}

/** Runs one command line through the public runCommand, capturing both streams. */
export async function run(argv: string[], options: Config): Promise<Ran> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        append(String(chunk));
        done();
      },
    });
  const code = await runCommand(argv, {
    ...options,
    out: sink((s) => (out += s)),
    err: sink((s) => (err += s)),
  } as CommandOptions);
  return { code, out, err };
}

/** Runs with --json and parses stdout. */
export async function runJson<T = Record<string, unknown>>(
  argv: string[],
  options: Config,
): Promise<{ code: number; json: T }> {
  const ran = await run([...argv, '--json'], options);
  return { code: ran.code, json: JSON.parse(ran.out) as T };
}
