import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transformSync } from 'esbuild';
import ts from 'typescript';

/**
 * A TypeScript module compiled the ways it may reach production: by tsc (also what ts-node runs)
 * and by esbuild (tsx, vitest, bundlers), each written as an .mjs file in a temp folder that
 * `remove()` deletes.
 */
export function compiledCopies(source: URL): { copies: { tsc: URL; esbuild: URL }; remove: () => void } {
  const text = readFileSync(source, 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'upshift-compiled-'));
  const write = (name: string, code: string) => {
    const file = join(dir, name);
    writeFileSync(file, code);
    return pathToFileURL(file);
  };
  const options = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext };
  return {
    copies: {
      tsc: write('tsc.mjs', ts.transpileModule(text, { compilerOptions: options }).outputText),
      esbuild: write('esbuild.mjs', transformSync(text, { loader: 'ts', format: 'esm', target: 'es2022' }).code),
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
