/**
 * Writes an app's migration bundle to disk, one module per revision, as a real app has it:
 * upshift revisions (revisions/index.ts, a static list) and the same work as
 * @mikro-orm/migrations classes (mikro/index.ts, a migrationsList). Used by the whole-process
 * scenarios, where importing the bundle is part of the cost.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { declaredEntry } from '../../lib/dev/bundle.ts';
import { validateRevision } from '../../lib/revision.ts';
import { pad, revisionName, revisionSql, type WorkSpec } from './tools.ts';

export const GENERATED = join(dirname(fileURLToPath(import.meta.url)), '..', '.generated');

/**
 * With `compiled`, the bundle is plain JavaScript (.js files, no TypeScript syntax): what a
 * production build of the app loads. revisions/index is what upshift/dev's revision() writes:
 * declared entries, each module imported only when needed; revisions/static-index, the same
 * revisions as plain static imports (an index written before declared entries existed).
 */
export async function writeBundle(name: string, spec: WorkSpec, compiled = false): Promise<string> {
  const ext = compiled ? 'js' : 'ts';
  const override = compiled ? '' : 'override ';
  const returnsVoid = compiled ? '' : ': void';
  const dir = join(GENERATED, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'revisions'), { recursive: true });
  mkdirSync(join(dir, 'mikro'), { recursive: true });
  const revImports: string[] = [];
  const mikroImports: string[] = [];
  for (let i = 1; i <= spec.n; i++) {
    const id = revisionName(i);
    const sql = revisionSql(i, spec);
    writeFileSync(
      join(dir, 'revisions', `${id}.${ext}`),
      // As revisions-template/ writes it; compiled, the type import and `satisfies` are gone.
      `${compiled ? '' : "import type { Revision } from 'upshift';\n\n"}export default {\n` +
        `  id: '${id}',\n  parents: [${i === 1 ? '' : `'${revisionName(i - 1)}'`}],\n  message: 'create bench_${pad(i)}',\n` +
        `  createdAt: '${new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString()}',\n` +
        '  transaction: true,\n' +
        `  async up({ sql }) {\n${sql.map((s) => `    await sql(${JSON.stringify(s)});\n`).join('')}  },\n` +
        `  async down({ sql }) {\n    await sql('drop table "bench_${pad(i)}"');\n  },\n}${compiled ? '' : ' satisfies Revision'};\n`,
    );
    revImports.push(`import ${id} from './${id}.${ext}';`);
    const cls = `Migration${pad(i)}`;
    writeFileSync(
      join(dir, 'mikro', `${cls}.${ext}`),
      `import { Migration } from '@mikro-orm/migrations';\n\nexport class ${cls} extends Migration {\n` +
        `  ${override}up()${returnsVoid} {\n${sql.map((s) => `    this.addSql(${JSON.stringify(s)});\n`).join('')}  }\n}\n`,
    );
    mikroImports.push(`import { ${cls} } from './${cls}.${ext}';`);
  }
  writeFileSync(
    join(dir, 'revisions', `static-index.${ext}`),
    `${revImports.join('\n')}\n\nexport const revisions = [${Array.from({ length: spec.n }, (_, k) => revisionName(k + 1)).join(', ')}];\n`,
  );
  const entries: string[] = [];
  for (let i = 1; i <= spec.n; i++) {
    const file = `./${revisionName(i)}.${ext}`;
    const module = (await import(pathToFileURL(join(dir, 'revisions', file)).href)) as { default: unknown };
    entries.push(`  ${declaredEntry(validateRevision(module.default, file), file)}`);
  }
  writeFileSync(join(dir, 'revisions', `index.${ext}`), `export const revisions = [\n${entries.join('\n')}\n];\n`);
  writeFileSync(
    join(dir, 'mikro', `index.${ext}`),
    `${mikroImports.join('\n')}\n\nexport const migrationsList = [\n${Array.from({ length: spec.n }, (_, k) => `  { name: 'Migration${pad(k + 1)}', class: Migration${pad(k + 1)} },`).join('\n')}\n];\n`,
  );
  return dir;
}
