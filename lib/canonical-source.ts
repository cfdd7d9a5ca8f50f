/**
 * A function's source text in a form that survives the usual ways a TypeScript revision reaches
 * Node: Node's own type stripping (which blanks types out in place), tsc, and esbuild (tsx,
 * vitest, bundlers). Their outputs differ in whitespace, comments, quote style (esbuild may even
 * turn a quoted string into a template literal), semicolons, trailing commas, the spelling of
 * numbers and the parentheses around a lone arrow parameter. None of that changes what a revision
 * does, so none of it may read as an edit: the same revision has one checksum whether
 * `revision()` imported it from source, the tests ran it under tsx, or production runs it from
 * `dist/`.
 *
 * What still differs: minified code (renamed variables) and code compiled below ES2017 (async
 * functions rewritten as generators). The README says to ship revision modules unminified.
 *
 * A small scanner, not a parser: it only needs to tell code from strings, templates, comments and
 * regular expressions, and it never fails (text it does not understand is kept as it is).
 */
export function canonicalSource(text: string): string {
  return join(simplify(new Scanner(text).tokens()));
}

/** Word characters: ASCII ones, and anything beyond ASCII that is not whitespace (close enough). */
const WORD = /[\w$\u0080-\uffff]/;
/**
 * What most of a function is, in one sticky match: whitespace and comments (1, skipped), quoted
 * strings (2) and runs of word characters (3). The rest needs context and is read one by one.
 */
const COMMON =
  /(\s+|\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|("(?:[^"\\\n]|\\[\s\S])*"|'(?:[^'\\\n]|\\[\s\S])*')|([\w$\u0080-\uffff]+)/y;
const NUMBER = /0[xXoObB][0-9a-fA-F_]+n?|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?n?/y;
/**
 * ASCII characters that are always a token of their own: not a word, space, quote, comment or
 * regular expression start, digit, `.` (a number may start with it) or brace (templates).
 */
const PLAIN_PUNCTUATION = new Uint8Array(128);
for (const c of '()[],;:=+-*<>!?&|^%~@#') PLAIN_PUNCTUATION[c.charCodeAt(0)] = 1;

/** WORD, for one UTF-16 code unit. */
function isWordCode(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 95 ||
    code === 36 ||
    code >= 0x80
  );
}

/** An ASCII character that starts a word (no digit: numbers are read apart; nothing beyond ASCII, which may be a space). */
function isWordStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code === 36;
}

/** After these words a `/` starts a regular expression, not a division. */
const BEFORE_EXPRESSION = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'await',
  'yield',
]);

class Scanner {
  readonly #text: string;
  #at = 0;
  readonly #out: string[] = [];
  /** For each template substitution being read, the brace depth at which it closes. */
  readonly #substitutions: number[] = [];
  #depth = 0;

  constructor(text: string) {
    this.#text = text;
  }

  tokens(): string[] {
    const text = this.#text;
    while (this.#at < text.length) {
      const code = text.charCodeAt(this.#at);
      // The two commonest cases, read without a regular expression: checksums are computed for
      // every revision an apply records, and for every revision a boot without declared
      // checksums compares, once per process, in code that has not been optimized yet.
      if (isWordStart(code)) {
        let end = this.#at + 1;
        while (end < text.length && isWordCode(text.charCodeAt(end))) end++;
        this.#out.push(text.slice(this.#at, end));
        this.#at = end;
        continue;
      }
      if (PLAIN_PUNCTUATION[code] === 1) {
        this.#out.push(text[this.#at]!);
        this.#at++;
        continue;
      }
      COMMON.lastIndex = this.#at;
      const match = COMMON.exec(text);
      if (match && !(match[3] && /^\d/.test(match[3]))) {
        if (match[2]) this.#out.push(JSON.stringify(cooked(match[2].slice(1, -1))));
        else if (match[3]) this.#out.push(match[3]);
        this.#at = COMMON.lastIndex;
        continue;
      }
      const c = text[this.#at]!;
      if (c === '`') this.#template(1, '');
      else if (c === '/' && this.#regexAllowed()) this.#regex();
      else if (/\d/.test(c) || (c === '.' && /\d/.test(text[this.#at + 1] ?? ''))) this.#number();
      else if (c === '}' && this.#substitutions.at(-1) === this.#depth) {
        this.#substitutions.pop();
        this.#template(1, '}');
      } else {
        if (c === '{') this.#depth++;
        if (c === '}') this.#depth--;
        this.#out.push(c);
        this.#at++;
      }
    }
    return this.#out;
  }

  /**
   * A template's text from the current position (just past `skip` characters) to its end or to
   * its next substitution. A template without substitutions is written as a plain string, since
   * esbuild turns some strings into templates.
   */
  #template(skip: number, opening: string): void {
    let i = this.#at + skip;
    while (i < this.#text.length && this.#text[i] !== '`' && !(this.#text[i] === '$' && this.#text[i + 1] === '{')) {
      i += this.#text[i] === '\\' ? 2 : 1;
    }
    const chunk = JSON.stringify(cooked(this.#text.slice(this.#at + skip, i)));
    if (this.#text[i] === '$') {
      this.#out.push(`${opening || '`'}${chunk}\${`);
      this.#substitutions.push(this.#depth);
      this.#at = i + 2;
    } else {
      this.#out.push(opening ? `}${chunk}\`` : chunk);
      this.#at = i + 1;
    }
  }

  #regexAllowed(): boolean {
    const previous = this.#out.at(-1);
    if (previous === undefined) return true;
    const last = previous.at(-1)!;
    if (WORD.test(last)) return BEFORE_EXPRESSION.has(previous);
    return !/[)\]}"`]/.test(last);
  }

  #regex(): void {
    let i = this.#at + 1;
    let inClass = false;
    while (i < this.#text.length && this.#text[i] !== '\n') {
      const c = this.#text[i]!;
      if (c === '\\') i++;
      else if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      else if (c === '/' && !inClass) break;
      i++;
    }
    i++;
    while (i < this.#text.length && WORD.test(this.#text[i]!)) i++;
    this.#out.push(this.#text.slice(this.#at, i));
    this.#at = i;
  }

  #number(): void {
    NUMBER.lastIndex = this.#at;
    const literal = NUMBER.exec(this.#text)?.[0] ?? this.#text[this.#at]!;
    this.#out.push(canonicalNumber(literal.replaceAll('_', '')));
    this.#at += literal.length;
  }
}

/** `1_000`, `1e3` and `0x3e8` are one number: compilers respell literals. */
function canonicalNumber(digits: string): string {
  if (digits.endsWith('n')) {
    try {
      return `${BigInt(digits.slice(0, -1))}n`;
    } catch {
      // Not a BigInt literal after all (`20.n`: a regular expression read as a division, say).
      return digits;
    }
  }
  const value = Number(digits);
  return Number.isNaN(value) ? digits : String(value);
}

/**
 * Drops what compilers add or remove without changing meaning: semicolons, a comma before a
 * closing bracket, and the parentheses around a lone arrow parameter (`(n) =>` and `n =>`).
 */
function simplify(tokens: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === ';') continue;
    if (token === ',' && /^[)\]}]$/.test(tokens[i + 1] ?? '')) continue;
    if (
      token === '(' &&
      tokens[i + 2] === ')' &&
      tokens[i + 3] === '=' &&
      tokens[i + 4] === '>' &&
      isIdentifier(tokens[i + 1]!)
    ) {
      out.push(tokens[i + 1]!);
      i += 2;
      continue;
    }
    out.push(token);
  }
  return out;
}

function isIdentifier(token: string): boolean {
  return WORD.test(token[0]!) && !/^\d/.test(token);
}

/** Tokens joined with a space only where two words would otherwise run together. */
function join(tokens: readonly string[]): string {
  let text = '';
  let lastIsWord = false;
  for (const token of tokens) {
    if (lastIsWord && isWordCode(token.charCodeAt(0))) text += ' ';
    text += token;
    lastIsWord = isWordCode(token.charCodeAt(token.length - 1));
  }
  return text;
}

/**
 * The value of a string or template chunk: escapes decoded, line endings normalised and trailing
 * whitespace on each line dropped (an editor's clean-up inside a multi-line SQL template is not
 * an edit either).
 */
function cooked(raw: string): string {
  if (!/[\\\r\n]/.test(raw)) return raw;
  const value = raw.replace(
    /\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])/g,
    (_, sequence: string) => {
      switch (sequence[0]) {
        case 'n':
          return '\n';
        case 'r':
          return '\r';
        case 't':
          return '\t';
        case 'b':
          return '\b';
        case 'f':
          return '\f';
        case 'v':
          return '\v';
        case '0':
          return '\0';
        case 'x':
          return String.fromCodePoint(parseInt(sequence.slice(1), 16));
        case 'u':
          return sequence.length > 1 ? String.fromCodePoint(parseInt(sequence.replace(/[u{}]/g, ''), 16)) : 'u';
        case '\r':
        case '\n':
        case '\u2028':
        case '\u2029':
          return '';
        default:
          return sequence;
      }
    },
  );
  return value
    .split(/\r\n|\r|\n/)
    .map((line) => line.trimEnd())
    .join('\n');
}
