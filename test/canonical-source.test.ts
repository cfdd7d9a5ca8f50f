import t from 'tap';
import type { Revision } from 'upshift';
import { canonicalSource } from '../lib/canonical-source.ts';
import { checksumOf } from '../lib/checksum.ts';
import { compiledCopies } from './helpers/compile.ts';

const fixture = new URL('./fixtures/compiled/revision.ts', import.meta.url);

t.test('a revision has one checksum whether run from source, compiled by tsc or by esbuild', async (t) => {
  const { copies, remove } = compiledCopies(fixture);
  t.teardown(remove);
  const source = ((await import(fixture.href)) as { default: Revision }).default;
  for (const [name, url] of Object.entries(copies)) {
    const compiled = ((await import(url.href)) as { default: Revision }).default;
    t.not(
      compiled.up.toString(),
      source.up.toString(),
      `${name} prints up() differently (so the test means something)`,
    );
    t.not(compiled.down!.toString(), source.down!.toString(), `${name} prints down() differently`);
    t.equal(checksumOf(compiled), checksumOf(source), `${name}: same checksum`);
  }
});

t.test('formatting, comments and respelled literals are not edits', async (t) => {
  const same: [string, string][] = [
    ['async ({ sql }) => { await sql("a"); }', 'async({sql})=>{\n  // note\n  await sql(`a`)\n}'],
    ["f('it\\'s')", 'f("it\'s")'],
    ['f(`x\n  y  \r\n`)', 'f("x\\n  y\\n")'],
    ['[1, 2,]', '[1, 2]'],
    ['{ a: 1, }', '{ a: 1 }'],
    ['xs.map(x => x)', 'xs.map((x) => x)'],
    ['n = 1_000', 'n = 1e3'],
    ['n = 0x10', 'n = 16'],
    ['n = 10n', 'n = 0xan'],
    ['a /* b */ + c', 'a + c'],
    ['f(`a${b}c`)', 'f(`a${ b }c`)'],
  ];
  for (const [a, b] of same)
    t.equal(canonicalSource(a), canonicalSource(b), `${JSON.stringify(a)} ≡ ${JSON.stringify(b)}`);
});

t.test('a change of what the code does is an edit', async (t) => {
  const different: [string, string][] = [
    ['sql("create table a (id integer)")', 'sql("create table a (id bigint)")'],
    ['sql("a  b")', 'sql("a b")'],
    ['n = 1', 'n = 2'],
    ['f(a, b)', 'f(b, a)'],
    ['a + b', 'a - b'],
    ['let x = y', 'letx = y'],
    ['f(`a${b}c`)', 'f(`a${c}c`)'],
    ['f(`${a}`)', 'f(a)'],
    ['s.replace(/\'/g, "x")', 's.replace(/"/g, "x")'],
    ['x = a // b\n+ c', 'x = a + c + 1'],
    ['f("// not a comment")', 'f("")'],
    ['await x / y', 'await x / z'],
  ];
  for (const [a, b] of different)
    t.not(canonicalSource(a), canonicalSource(b), `${JSON.stringify(a)} ≢ ${JSON.stringify(b)}`);
});

t.test('a regular expression with quotes and slashes does not swallow the code after it', async (t) => {
  const text = 'x = s.replace(/[\'"/]/g, "") ; y = \'a\'';
  t.equal(canonicalSource(text), 'x=s.replace(/[\'"/]/g,"")y="a"');
  t.equal(canonicalSource('a = b / c / d'), 'a=b/c/d', 'division stays division');
});

t.test('the canonical form is pinned: a change to it would read every applied revision as edited', async (t) => {
  // Computed by the first v2 scanner; any later rewrite of the scanner must give the same text.
  const source =
    "async ({ sql, em }) => {\n  // ä comment\n  const naïve = 0x1F + 1_000 + .5e1 + 10n;\n  await sql(`insert into \"t\" values (${naïve}, 'it''s')`, [a, b,]);\n  if (x) y = s.replace(/[\\\\/\"]/g, '') / 2;\n  return xs.map((x) => x?.id ?? $unused_1);\n}";
  t.equal(
    canonicalSource(source),
    'async({sql,em})=>{const naïve=31+1000+5+10n await sql(`"insert into \\"t\\" values ("${naïve}", \'it\'\'s\')"`,[a,b])if(x)y=s.replace(/[\\\\/"]/g,"")/2 return xs.map(x=>x?.id??$unused_1)}',
  );
  t.equal(
    canonicalSource('a\u00a0b ä+b\u2028x'),
    'a\u00a0b ä+b\u2028x',
    'beyond ASCII, inside a word, even a space-like character is part of the word',
  );
});

t.test('text that only looks like a BigInt literal does not throw', async (t) => {
  // After `)` the scanner reads `/` as a division, so this regular expression's `20.n` reaches
  // the number reader; the checksum of such a revision must still be computed.
  t.equal(canonicalSource('if (ok) /20.n/.test(s)'), 'if(ok)/20.n/.test(s)');
});
