import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Migrator } from 'upshift';
import { eachDialect } from './helpers/each-dialect.ts';
import { chain } from './helpers/revisions.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

eachDialect('without a logger option, a no-op boot never loads pino; the first line to log does, and goes to stdout', async (t, db) => {
  await new Migrator({ orm: await db.orm(), revisions: chain(2), logger: memoryLogger().logger }).upgrade();
  const fixture = fileURLToPath(new URL('./fixtures/default-logger.ts', import.meta.url));
  const stdout = execFileSync(process.execPath, ['--conditions=upshift-source', fixture], {
    env: { ...process.env, DIALECT: db.dialect, LOCATION: db.location },
    encoding: 'utf8',
  });
  // pino writes asynchronously: its lines and the fixture's own may come in either order.
  const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  t.same(lines.find((l) => 'afterNoop' in l), { noop: [], afterNoop: false, more: ['rev0003'], afterApplying: true });
  const logged = lines.filter((l) => !('afterNoop' in l)) as { name?: string; msg?: string }[];
  t.ok(logged.some((l) => l.name === 'upshift' && /applied revision rev0003/.test(l.msg ?? '')), 'the default logger is pino, named "upshift", on stdout');
});
