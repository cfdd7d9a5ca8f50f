import { symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The flags a strict consumer project compiles generated files with. */
export const STRICT_FLAGS: ts.CompilerOptions = {
  strict: true,
  noUnusedParameters: true,
  noUnusedLocals: true,
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2023,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  allowImportingTsExtensions: true,
  customConditions: ['upshift-source'],
  types: [],
};

/**
 * Type-checks `files` (in an app folder made by test/dev/workspace.ts, whose node_modules links
 * upshift) with STRICT_FLAGS. Returns the diagnostics of those files only, as "file(line): text":
 * upshift's own sources are checked by its tsconfig, not by a consumer's flags.
 */
export function strictDiagnostics(appRoot: string, files: readonly string[]): string[] {
  try {
    symlinkSync(join(ROOT, 'node_modules', 'pino'), join(appRoot, 'node_modules', 'pino'), 'dir');
  } catch {
    // Linked already.
  }
  const program = ts.createProgram([...files], STRICT_FLAGS);
  const wanted = new Set(files.map((f) => resolve(f)));
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && wanted.has(resolve(d.file.fileName)))
    .map((d) => {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${relative(appRoot, d.file!.fileName)}(${line + 1}): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}
