import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eachDialect } from './helpers/each-dialect.ts';

const fixture = fileURLToPath(new URL('./fixtures/default-logger.ts', import.meta.url));

eachDialect(
  'without a logger option, a no-op boot never loads pino; the first line to log does, and goes to stdout',
  async (t, db) => {
    const run = (env: Record<string, string> = {}) =>
      execFileSync(process.execPath, ['--conditions=upshift-source', fixture], {
        env: { ...process.env, DIALECT: db.dialect, LOCATION: db.location, ...env },
        encoding: 'utf8',
      });
    run({ SETUP: '1' });
    // pino writes asynchronously: its lines and the fixture's own may come in either order.
    const lines = run()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const logged = lines.filter((l) => !('afterNoop' in l)) as { name?: string; msg?: string }[];
    t.same(
      lines.find((l) => 'afterNoop' in l),
      { noop: [], afterNoop: false, more: ['rev0003'], afterApplying: true },
      `logged: ${logged.map((l) => l.msg).join(' | ')}`,
    );
    t.ok(
      logged.some((l) => l.name === 'upshift' && /applied revision rev0003/.test(l.msg ?? '')),
      'the default logger is pino, named "upshift", on stdout',
    );
  },
);
