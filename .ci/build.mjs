// `npm run build [-- <outDir>]`: the package as published, in dist/ unless told otherwise.
//
// esbuild bundles lib/ into one module per entry (upshift, upshift/dev) and the chunks the two
// share (dist/chunks/), so that an app's boot loads a few files instead of the 25 small modules
// of lib/: that halves what `import('upshift')` costs (bench/7-import-cost). Shared chunks, not a
// copy per entry, keep one class per error, so `instanceof` holds across the two entries.
// Chunks sit one folder down, as dev/index.js does: a path a module computes from its own URL
// (the revisions template, two folders up) is then right wherever esbuild places that code.
// tsc writes the type declarations, one per source module.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const outDir = process.argv[2] ?? join(root, 'dist');
const entries = [join(root, 'lib/index.ts'), join(root, 'lib/dev/index.ts')];

rmSync(outDir, { recursive: true, force: true });
await build({
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
  // Smaller files parse faster at every boot. Identifiers are kept: an error's `name` is its
  // class's name (test/package.test.ts checks that every exported class keeps its own; esbuild's
  // keepNames would guarantee it for a quarter more import time).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
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
