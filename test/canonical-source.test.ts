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
    t.not(compiled.up.toString(), source.up.toString(), `${name} prints up() differently (so the test means something)`);
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
  for (const [a, b] of same) t.equal(canonicalSource(a), canonicalSource(b), `${JSON.stringify(a)} ≡ ${JSON.stringify(b)}`);
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
  for (const [a, b] of different) t.not(canonicalSource(a), canonicalSource(b), `${JSON.stringify(a)} ≢ ${JSON.stringify(b)}`);
});

t.test('a regular expression with quotes and slashes does not swallow the code after it', async (t) => {
  const text = 'x = s.replace(/[\'"/]/g, "") ; y = \'a\'';
  t.equal(canonicalSource(text), 'x=s.replace(/[\'"/]/g,"")y="a"');
  t.equal(canonicalSource('a = b / c / d'), 'a=b/c/d', 'division stays division');
});
