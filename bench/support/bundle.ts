/**
 * Writes an app's migration bundle to disk, one module per revision, as a real app has it:
 * upshift revisions (revisions/index, declared entries as revision() writes them) and the same work as
 * @mikro-orm/migrations classes (mikro/index.ts, a migrationsList). Used by the whole-process
 * scenarios, where importing the bundle is part of the cost.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transformSync } from 'esbuild';
import { declaredEntry } from '../../lib/dev/bundle.ts';
import { validateRevision } from '../../lib/revision.ts';
import type { DialectName } from './db.ts';
import { pad, revisionName, revisionSql, type WorkSpec } from './tools.ts';

export const GENERATED = join(dirname(fileURLToPath(import.meta.url)), '..', '.generated');

/**
 * With `compiled`, the bundle is what a production build of the app loads: the same TypeScript
 * files, each compiled by esbuild to plain JavaScript. revisions/index is what upshift/dev's
 * revision() writes in development: declared entries whose checksums come from the TypeScript
 * modules (compiled, only the import specifiers change), each module imported only when needed;
 * revisions/static-index, the same revisions as plain static imports (an index written before
 * declared entries existed).
 */
export async function writeBundle(
  name: string,
  spec: WorkSpec,
  compiled = false,
  dialect: DialectName = 'postgresql',
): Promise<string> {
  const dir = join(GENERATED, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'revisions'), { recursive: true });
  mkdirSync(join(dir, 'mikro'), { recursive: true });
  const files = new Map<string, string>();
  const revImports: string[] = [];
  const mikroImports: string[] = [];
  for (let i = 1; i <= spec.n; i++) {
    const id = revisionName(i);
    const sql = revisionSql(i, spec, dialect);
    files.set(
      join('revisions', `${id}.ts`),
      // As revisions-template/ writes it.
      "import type { Revision } from 'upshift';\n\nexport default {\n" +
        `  id: '${id}',\n  parents: [${i === 1 ? '' : `'${revisionName(i - 1)}'`}],\n  message: 'create bench_${pad(i)}',\n` +
        `  createdAt: '${new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString()}',\n` +
        '  transaction: true,\n' +
        `  async up({ sql }) {\n${sql.map((s) => `    await sql(${JSON.stringify(s)});\n`).join('')}  },\n` +
        `  async down({ sql }) {\n    await sql('drop table bench_${pad(i)}');\n  },\n} satisfies Revision;\n`,
    );
    revImports.push(`import ${id} from './${id}.ts';`);
    const cls = `Migration${pad(i)}`;
    files.set(
      join('mikro', `${cls}.ts`),
      `import { Migration } from '@mikro-orm/migrations';\n\nexport class ${cls} extends Migration {\n` +
        `  override up(): void {\n${sql.map((s) => `    this.addSql(${JSON.stringify(s)});\n`).join('')}  }\n}\n`,
    );
    mikroImports.push(`import { ${cls} } from './${cls}.ts';`);
  }
  files.set(
    join('revisions', 'static-index.ts'),
    `${revImports.join('\n')}\n\nexport const revisions = [${Array.from({ length: spec.n }, (_, k) => revisionName(k + 1)).join(', ')}];\n`,
  );
  files.set(
    join('mikro', 'index.ts'),
    `${mikroImports.join('\n')}\n\nexport const migrationsList = [\n${Array.from({ length: spec.n }, (_, k) => `  { name: 'Migration${pad(k + 1)}', class: Migration${pad(k + 1)} },`).join('\n')}\n];\n`,
  );
  for (const [file, text] of files) writeFileSync(join(dir, file), text);
  // Declared as revision() declares what it writes: from the TypeScript module.
  const entries: string[] = [];
  for (let i = 1; i <= spec.n; i++) {
    const file = `./${revisionName(i)}.ts`;
    const module = (await import(pathToFileURL(join(dir, 'revisions', file)).href)) as { default: unknown };
    entries.push(`  ${declaredEntry(validateRevision(module.default, file), file)}`);
  }
  files.set(join('revisions', 'index.ts'), `export const revisions = [\n${entries.join('\n')}\n];\n`);
  writeFileSync(join(dir, 'revisions', 'index.ts'), files.get(join('revisions', 'index.ts'))!);
  if (compiled) compile(dir, files);
  return dir;
}

/** Replaces each .ts file by what esbuild compiles it to, with .js import specifiers. */
function compile(dir: string, files: ReadonlyMap<string, string>): void {
  for (const [file, text] of files) {
    const code = transformSync(text, { loader: 'ts', format: 'esm', target: 'es2022' }).code.replace(
      /(['"])(\.\/[^'"]+)\.ts\1/g,
      '$1$2.js$1',
    );
    rmSync(join(dir, file));
    writeFileSync(join(dir, file.replace(/\.ts$/, '.js')), code);
  }
}
