import { quoteLiteral } from '../dialect/dialect.ts';

export type SqlFlavor = 'postgresql' | 'sqlite';

/**
 * A statement with its `?` parameters replaced by SQL literals, for a script that a person reads
 * and a database client runs. Only placeholders outside quoted text, quoted identifiers, dollar
 * quotes and comments are replaced, each by a literal whose quotes are doubled: a value can never
 * end its literal early. A count that does not match the placeholders is refused.
 */
export function inlineParams(text: string, params: readonly unknown[], flavor: SqlFlavor): string {
  if (params.length === 0) return text;
  let out = '';
  let next = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const skipTo = quotedEnd(text, i);
    if (skipTo > i) {
      out += text.slice(i, skipTo);
      i = skipTo;
      continue;
    }
    if (c === '?') {
      if (next >= params.length)
        throw new Error(
          `the statement has more "?" placeholders than the ${params.length} parameter(s) given: ${text}`,
        );
      out += literal(params[next++], flavor);
    } else out += c;
    i++;
  }
  if (next !== params.length)
    throw new Error(
      `the statement has ${next} "?" placeholder(s) but ${params.length} parameter(s) were given: ${text}`,
    );
  return out;
}

/** Where a quoted section or comment that starts at `i` ends (i itself when none starts there). */
function quotedEnd(text: string, i: number): number {
  const c = text[i];
  if (c === "'" || c === '"' || c === '`') {
    let j = i + 1;
    while (j < text.length) {
      if (text[j] === c) {
        if (text[j + 1] === c) j += 2;
        else return j + 1;
      } else j++;
    }
    return text.length;
  }
  if (c === '-' && text[i + 1] === '-') {
    const end = text.indexOf('\n', i);
    return end < 0 ? text.length : end;
  }
  if (c === '/' && text[i + 1] === '*') {
    const end = text.indexOf('*/', i + 2);
    return end < 0 ? text.length : end + 2;
  }
  if (c === '$') {
    const tag = /^\$[A-Za-z_]*\$/.exec(text.slice(i));
    if (tag) {
      const end = text.indexOf(tag[0], i + tag[0].length);
      return end < 0 ? text.length : end + tag[0].length;
    }
  }
  return i;
}

/** One value as a SQL literal of the flavor. */
export function literal(value: unknown, flavor: SqlFlavor): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`the parameter ${value} has no SQL literal`);
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return flavor === 'postgresql' ? String(value) : value ? '1' : '0';
  if (value instanceof Date) return quoteLiteral(value.toISOString());
  if (value instanceof Uint8Array) {
    const hex = Buffer.from(value).toString('hex');
    return flavor === 'postgresql' ? `'\\x${hex}'::bytea` : `X'${hex}'`;
  }
  if (typeof value === 'string') return quoteLiteral(value);
  return quoteLiteral(JSON.stringify(value));
}

/** A statement ended with exactly one semicolon, as a script line. */
export function terminated(text: string): string {
  const trimmed = text.trim();
  return trimmed.endsWith(';') ? trimmed : `${trimmed};`;
}
