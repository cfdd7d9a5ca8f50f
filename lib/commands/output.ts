import { UpshiftError } from '../errors.ts';

/** Where a command writes: text for people, or one JSON document with --json. */
export interface Streams {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

export class Output {
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
    const code = error instanceof UpshiftError ? error.code : 'UPSHIFT_UNEXPECTED';
    const message = error instanceof Error ? error.message : String(error);
    if (this.json) this.#streams.out.write(JSON.stringify({ error: { code, message } }, null, 2) + '\n');
    else this.#streams.err.write(`error ${code}: ${message}\n`);
  }
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
