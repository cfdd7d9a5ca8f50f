import { UpshiftError } from '../errors.ts';

/** What a command hands its result to: printed at once, or kept to be printed with others'. */
export interface ResultSink {
  result<T>(value: T, text: (value: T) => string[]): void;
}

/** One database's or tenant's part of a command run on several. */
export type Part =
  | { name: string; ok: true; value: unknown; lines: string[]; code: number }
  | { name: string; ok: false; error: unknown };

/** Keeps one command's result, for a run on several databases or tenants. */
export class Captured implements ResultSink {
  value: unknown;
  lines: string[] = [];
  result<T>(value: T, text: (value: T) => string[]): void {
    this.value = value;
    this.lines = text(value);
  }
}

/** Where a command writes: text for people, or one JSON document with --json. */
export interface Streams {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

export class Output implements ResultSink {
  readonly json: boolean;
  readonly #streams: Streams;

  constructor(streams: Streams, json: boolean) {
    this.#streams = streams;
    this.json = json;
  }

  /** Prints the result: `value` as JSON with --json, otherwise the lines `text` makes from it. */
  result<T>(value: T, text: (value: T) => string[]): void {
    if (this.json) this.#streams.out.write(JSON.stringify(value, null, 2) + '\n');
    else for (const line of text(value)) this.#streams.out.write(line + '\n');
  }

  /**
   * Prints an error as its message and code, never a stack: the reader is an operator, and the
   * message already names the culprit and the fix.
   */
  error(error: unknown): void {
    if (this.json) this.#streams.out.write(JSON.stringify({ error: described(error) }, null, 2) + '\n');
    else this.#streams.err.write(errorLine(error) + '\n');
  }

  /**
   * Prints a command's parts, one per database or tenant, in order. JSON: `{ databases: [...] }`
   * or `{ tenants: [...] }`, each `{ database|schema, ok, result }` or `{ …, ok: false, error }`.
   * Text: a heading per part, its lines indented; a failed part shows its error there, and the
   * error stream names every failed one. Returns the exit code: 1 if any failed, else the highest.
   */
  parts(kind: 'database' | 'tenant', parts: readonly Part[]): number {
    const key = kind === 'database' ? 'database' : 'schema';
    if (this.json) {
      const list = parts.map((p) =>
        p.ok ? { [key]: p.name, ok: true, result: p.value } : { [key]: p.name, ok: false, error: described(p.error) },
      );
      this.#streams.out.write(JSON.stringify({ [`${kind}s`]: list }, null, 2) + '\n');
    } else {
      for (const p of parts) {
        this.#streams.out.write(`${kind} ${p.name}:\n`);
        for (const line of p.ok ? p.lines : [errorLine(p.error)]) this.#streams.out.write(`  ${line}\n`);
      }
    }
    const failed = parts.filter((p) => !p.ok).map((p) => p.name);
    if (failed.length > 0 && !this.json) {
      this.#streams.err.write(
        `error: ${failed.length} of ${parts.length} ${kind}s failed (${failed.join(', ')}); the others completed.\n`,
      );
    }
    return failed.length > 0 ? 1 : Math.max(0, ...parts.map((p) => (p.ok ? p.code : 1)));
  }
}

function described(error: unknown): { code: string; message: string } {
  const code = error instanceof UpshiftError ? error.code : 'UPSHIFT_UNEXPECTED';
  return { code, message: error instanceof Error ? error.message : String(error) };
}

/** An error as an operator reads it: its code and message, never a stack. */
function errorLine(error: unknown): string {
  const { code, message } = described(error);
  return `error ${code}: ${message}`;
}

/** A plain-text table whose columns are as wide as their widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** A list of ids, or a word saying there are none. */
export function ids(list: readonly string[], none = '(none)'): string {
  return list.length === 0 ? none : list.join(', ');
}
