import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

/**
 * Imports an entry in a fresh process whose --import hook records every module URL that gets
 * resolved, and returns those URLs.
 */
function modulesLoadedBy(entry: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'upshift-light-'));
  try {
    const hook = join(dir, 'record.mjs');
    writeFileSync(
      hook,
      `import { registerHooks } from 'node:module';
       const seen = new Set();
       registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
       process.on('exit', () => process.stdout.write(JSON.stringify([...seen])));`,
    );
    const out = execFileSync(
      process.execPath,
      [
        '--conditions=upshift-source',
        '--import',
        hook,
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(entry)});`,
      ],
      {
        cwd: process.cwd(),
        encoding: 'utf8',
      },
    );
    return JSON.parse(out) as string[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

t.test("importing 'upshift' loads no development code", async (t) => {
  const urls = modulesLoadedBy('upshift');
  t.ok(
    urls.some((u) => u.endsWith('/lib/migrator.ts')),
    'the hook saw the runtime being loaded (control)',
  );
  t.same(
    urls.filter((u) => u.includes('/lib/dev/')),
    [],
    'no lib/dev module',
  );
  t.same(
    urls.filter((u) => u.includes('/lib/commands/')),
    [],
    'no lib/commands module',
  );
  t.same(
    urls.filter((u) => /@mikro-orm\/sql\/schema\//.test(u)),
    [],
    "no MikroORM schema machinery imported by upshift's runtime",
  );
  t.notOk(
    urls.includes('node:crypto'),
    'node:crypto is loaded when upshift first hashes, not on import (it costs more than upshift itself)',
  );
});

t.test("importing 'upshift/dev' does load it (the probe can see dev modules)", async (t) => {
  const urls = modulesLoadedBy('upshift/dev');
  t.ok(urls.some((u) => u.endsWith('/lib/dev/index.ts')));
  t.ok(urls.some((u) => u.endsWith('/lib/dev/schema-diff.ts')));
});

t.test("importing 'upshift/commands' loads the commands but no development code until one runs", async (t) => {
  const urls = modulesLoadedBy('upshift/commands');
  t.ok(
    urls.some((u) => u.endsWith('/lib/commands/index.ts')),
    'the hook saw the commands being loaded (control)',
  );
  t.same(
    urls.filter((u) => u.includes('/lib/dev/')),
    [],
    'no lib/dev module: dev commands import upshift/dev when called',
  );
});
