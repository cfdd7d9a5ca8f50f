import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import t from 'tap';
import { init, merge, revision } from 'upshift/dev';
import { renderRevision } from '../../lib/dev/render.ts';
import { strictDiagnostics } from '../helpers/strict-compile.ts';
import { silent } from './load.ts';
import { workspace } from './workspace.ts';

/**
 * Every kind of file upshift/dev writes — the index, an empty revision, a merge, one with
 * statements, an irreversible one, one with foreign keys off — compiles in a consumer project
 * with --strict --noUnusedParameters --noUnusedLocals.
 */
t.test('generated revision and index files pass a strict consumer tsc', async (t) => {
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  const base = await revision({ dir: ws.dir, message: 'empty base', autogenerate: false, logger: silent });
  const theirs = join(ws.root, 'theirs');
  cpSync(ws.dir, theirs, { recursive: true });
  await revision({ dir: ws.dir, message: 'mine', autogenerate: false, logger: silent });
  const other = await revision({ dir: theirs, message: 'theirs', autogenerate: false, logger: silent });
  cpSync(other!.path, join(ws.dir, basename(other!.path)));
  const entry = readFileSync(join(theirs, 'index.ts'), 'utf8')
    .split('\n')
    .find((line) => line.includes(other!.id))!;
  writeFileSync(
    join(ws.dir, 'index.ts'),
    readFileSync(join(ws.dir, 'index.ts'), 'utf8').replace(
      '  // upshift:revisions',
      `${entry}\n  // upshift:revisions`,
    ),
  );
  const merged = await merge({ dir: ws.dir, message: 'join', logger: silent });
  t.same(merged.parents.length, 2);

  const template = readFileSync(join(ws.dir, 'revision.ts.template'), 'utf8');
  const statement = (sql: string) => ({ sql }) as never;
  const extra = {
    'x00000000001_statements.ts': renderRevision(template, {
      id: 'x00000000001',
      parents: [base!.id],
      message: 'with statements',
      createdAt: '2026-01-01T00:00:00Z',
      up: [statement('create table a (id int)')],
      down: [statement('drop table a')],
    }),
    'x00000000002_irreversible.ts': renderRevision(template, {
      id: 'x00000000002',
      parents: [base!.id],
      message: 'irreversible',
      createdAt: '2026-01-01T00:00:00Z',
      up: [statement('drop table a')],
      down: [],
      irreversible: 'the table is dropped',
    }),
    'x00000000003_fk_off.ts': renderRevision(template, {
      id: 'x00000000003',
      parents: [base!.id],
      message: 'fk off',
      createdAt: '2026-01-01T00:00:00Z',
      up: [statement('drop table a')],
      down: [statement('create table a (id int)')],
      foreignKeysOff: ['a is rebuilt'],
    }),
  };
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(ws.dir, name), text);

  const files = readdirSync(ws.dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(ws.dir, f));
  t.ok(files.length >= 8, `index, 4 generated revisions and 3 rendered ones (${files.length} files)`);
  t.match(
    readFileSync(merged.path, 'utf8'),
    /async up\(\) \{/,
    'the merge revision takes no parameter it does not use',
  );
  t.same(strictDiagnostics(ws.root, files), [], 'no diagnostics');

  // The check can fail: an unused `{ sql }` is reported under these flags.
  writeFileSync(
    join(ws.dir, 'unused.ts'),
    "import type { Revision } from 'upshift';\nexport default { id: 'unused0001', parents: [], message: '', createdAt: '', transaction: true, async up({ sql }) {} } satisfies Revision;\n",
  );
  t.match(strictDiagnostics(ws.root, [join(ws.dir, 'unused.ts')]), [
    /declared but its value is never read|destructured elements are unused/,
  ]);
});

t.test("the logger option takes pino's Logger and Fastify 5's app.log without a cast", async (t) => {
  const ws = workspace();
  t.teardown(ws.remove);
  const file = join(ws.root, 'loggers.ts');
  // FastifyBaseLogger as Fastify 5 declares it (fastify/types/logger.d.ts), copied structurally:
  // Fastify is not a dependency of upshift.
  writeFileSync(
    file,
    `import type { BaseLogger, Bindings, ChildLoggerOptions, Logger } from 'pino';
import { Migrator, type MigratorOptions } from 'upshift';
import { revision } from 'upshift/dev';
interface FastifyBaseLogger extends Pick<BaseLogger, 'level' | 'info' | 'error' | 'debug' | 'fatal' | 'warn' | 'trace' | 'silent'> {
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger;
}
declare const appLog: FastifyBaseLogger;
declare const pinoLog: Logger;
declare const orm: MigratorOptions['orm'];
export const withFastify = new Migrator({ orm, revisions: [], logger: appLog });
export const withPino = new Migrator({ orm, revisions: [], logger: pinoLog });
export const dev = () => revision({ dir: 'revisions', message: 'm', autogenerate: false, logger: appLog });
// @ts-expect-error: not a logger (fails if logger were any)
export const wrong = new Migrator({ orm, revisions: [], logger: { info() {} } });
`,
  );
  t.same(strictDiagnostics(ws.root, [file]), [], 'no diagnostics');
});
