/**
 * Writes an app's migration bundle to disk, one module per revision, as a real app has it:
 * upshift revisions (revisions/index.ts, a static list) and the same work as
 * @mikro-orm/migrations classes (mikro/index.ts, a migrationsList). Used by the whole-process
 * scenarios, where importing the bundle is part of the cost.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pad, revisionName, revisionSql, type WorkSpec } from './tools.ts';

export const GENERATED = join(dirname(fileURLToPath(import.meta.url)), '..', '.generated');

export function writeBundle(name: string, spec: WorkSpec): string {
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
      join(dir, 'revisions', `${id}.ts`),
      `import { defineRevision } from 'upshift';\n\nexport default defineRevision({\n` +
        `  id: '${id}',\n  parents: [${i === 1 ? '' : `'${revisionName(i - 1)}'`}],\n  message: 'create bench_${pad(i)}',\n` +
        `  createdAt: '${new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString()}',\n` +
        `  async up({ sql }) {\n${sql.map((s) => `    await sql(${JSON.stringify(s)});\n`).join('')}  },\n` +
        `  async down({ sql }) {\n    await sql('drop table "bench_${pad(i)}"');\n  },\n});\n`,
    );
    revImports.push(`import ${id} from './${id}.ts';`);
    const cls = `Migration${pad(i)}`;
    writeFileSync(
      join(dir, 'mikro', `${cls}.ts`),
      `import { Migration } from '@mikro-orm/migrations';\n\nexport class ${cls} extends Migration {\n` +
        `  override up(): void {\n${sql.map((s) => `    this.addSql(${JSON.stringify(s)});\n`).join('')}  }\n}\n`,
    );
    mikroImports.push(`import { ${cls} } from './${cls}.ts';`);
  }
  writeFileSync(
    join(dir, 'revisions', 'index.ts'),
    `${revImports.join('\n')}\n\nexport const revisions = [${Array.from({ length: spec.n }, (_, k) => revisionName(k + 1)).join(', ')}];\n`,
  );
  writeFileSync(
    join(dir, 'mikro', 'index.ts'),
    `${mikroImports.join('\n')}\n\nexport const migrationsList = [\n${Array.from({ length: spec.n }, (_, k) => `  { name: 'Migration${pad(k + 1)}', class: Migration${pad(k + 1)} },`).join('\n')}\n];\n`,
  );
  return dir;
}
