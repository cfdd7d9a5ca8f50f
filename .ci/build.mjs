// `npm run build [-- <outDir>]`: the compiled modules of the package, in dist/ unless told otherwise
// (`npm run package` puts them, with the rest of what is published, into a package folder: .ci/package.mjs).
//
// esbuild bundles lib/ into one module per entry (upshift, upshift/dev) and the chunks the two
// share (dist/chunks/), so that an app's boot loads a few files instead of the 25 small modules
// of lib/: that halves what `import('upshift')` costs (bench/7-import-cost). Shared chunks, not a
// copy per entry, keep one class per error, so `instanceof` holds across the two entries.
// Chunks sit one folder down, as dev/index.js does: a path a module computes from its own URL
// (the revisions template, two folders up) is then right wherever esbuild places that code.
// The code is not minified: an uncaught error prints the source line it was thrown from, and a
// minified line is the whole module (kilobytes of stderr before the message). Each module has a
// source map that carries the TypeScript sources (lib/ is not shipped), for `--enable-source-maps`
// and debuggers; their paths resolve to <package>/lib/…, where the sources would sit.
// tsc writes the type declarations, one per source module.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const outDir = process.argv[2] ?? join(root, 'dist');
const entries = [join(root, 'lib/index.ts'), join(root, 'lib/dev/index.ts'), join(root, 'lib/commands/index.ts')];

rmSync(outDir, { recursive: true, force: true });
const { outputFiles } = await build({
  entryPoints: entries,
  outbase: join(root, 'lib'),
  outdir: outDir,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  packages: 'external',
  sourcemap: true,
  sourcesContent: true,
  // An error's `name` is its class's name: bundling keeps every name that does not collide, and
  // test/package.test.ts checks that each exported class and function keeps its own (esbuild's
  // keepNames would guarantee it for a quarter more import time).
  logLevel: 'warning',
  write: false,
});
for (const file of outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.path.endsWith('.map') ? sourcesInPackage(file.path, file.text) : file.contents);
}
execFileSync(
  process.execPath,
  [
    join(root, 'node_modules/typescript/bin/tsc'),
    ...entries,
    ...['--outDir', outDir, '--rootDir', join(root, 'lib'), '--emitDeclarationOnly', '--declaration'],
    ...['--module', 'nodenext', '--target', 'es2023', '--strict', '--types', 'node', '--skipLibCheck'],
    ...['--rewriteRelativeImportExtensions', '--allowImportingTsExtensions', '--verbatimModuleSyntax'],
  ],
  { stdio: 'inherit' },
);

/**
 * esbuild names each source relative to the map, wherever the build went (a temporary folder puts
 * the build machine's folders in the path). Named instead as if lib/ sat beside dist/ in the
 * package, a stack trace points at <package>/lib/<module>.ts, with the code from sourcesContent.
 */
function sourcesInPackage(mapPath, text) {
  const map = JSON.parse(text);
  const lib = join(root, 'lib');
  const packageLib = join(resolve(outDir), '..', 'lib');
  map.sources = map.sources.map((source) => {
    const inLib = relative(lib, resolve(dirname(mapPath), source));
    if (inLib.startsWith('..')) throw new Error(`${mapPath}: source ${source} is outside lib/`);
    return relative(dirname(mapPath), join(packageLib, inLib)).split(sep).join('/');
  });
  return JSON.stringify(map);
}
