import type { IgnoreDirective } from './sql.ts';

/**
 * `// upshift-lint-ignore <rule>: <reason>` on the line above a `sql(...)` call, read from the
 * function's source text (Function.prototype.toString). Each directive applies to the statements
 * that call sends: its first argument, a string or template literal, becomes a pattern (`${…}`
 * and `?` placeholders match anything). A call whose argument is not a literal is matched by
 * nothing. Loaders that drop comments (esbuild: tsx, vitest) leave nothing to read here; the
 * `-- upshift-lint-ignore` comment inside the SQL string works everywhere.
 */
export interface SourceIgnore extends IgnoreDirective {
  matches(statement: string): boolean;
}

const LINE_DIRECTIVE = /^\s*\/\/\s*upshift-lint-ignore[ \t]+([A-Za-z0-9_-]+)[ \t]*(?::[ \t]*(.*))?$/;
const CALL = /\bsql\s*\(\s*/g;

export function sourceIgnores(source: string): SourceIgnore[] {
  const out: SourceIgnore[] = [];
  const lines = source.split('\n');
  let offset = 0;
  let pending: IgnoreDirective[] = [];
  for (const line of lines) {
    const directive = LINE_DIRECTIVE.exec(line);
    if (directive) pending.push({ rule: directive[1]!, reason: (directive[2] ?? '').trim() });
    else if (pending.length > 0 && line.trim() !== '' && !line.trim().startsWith('//')) {
      CALL.lastIndex = offset;
      const call = CALL.exec(source);
      const pattern = call && call.index < offset + line.length ? literalPattern(source, CALL.lastIndex) : undefined;
      for (const d of pending) out.push({ ...d, matches: (s) => pattern !== undefined && pattern.test(s) });
      pending = [];
    }
    offset += line.length + 1;
  }
  return out;
}

/** The literal starting at `at` as an anchored pattern, or undefined when none starts there. */
function literalPattern(source: string, at: number): RegExp | undefined {
  const quote = source[at];
  if (quote !== "'" && quote !== '"' && quote !== '`') return undefined;
  const pieces: string[] = [''];
  let i = at + 1;
  while (i < source.length && source[i] !== quote) {
    const c = source[i]!;
    if (c === '\\') {
      pieces[pieces.length - 1] += escaped(source[i + 1] ?? '');
      i += 2;
    } else if (quote === '`' && c === '$' && source[i + 1] === '{') {
      let depth = 1;
      i += 2;
      while (i < source.length && depth > 0) {
        if (source[i] === '{') depth++;
        else if (source[i] === '}') depth--;
        i++;
      }
      pieces.push('');
    } else {
      pieces[pieces.length - 1] += c;
      i++;
    }
  }
  const toPattern = (s: string) =>
    s
      .split('?')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[\\s\\S]*?');
  return new RegExp(`^${pieces.map(toPattern).join('[\\s\\S]*?')}$`);
}

function escaped(c: string): string {
  return c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c;
}
