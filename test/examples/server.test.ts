import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eachDialect } from '../helpers/each-dialect.ts';
import { versionRows } from '../helpers/schema.ts';
import { bundles } from '../../examples/server/revisions.ts';

const MAIN = fileURLToPath(new URL('../../examples/server/main.ts', import.meta.url));

/** Starts the example exactly as `npm run example` does, and waits until it listens. */
async function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--conditions=upshift-source', MAIN], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      log += chunk;
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (match) resolve(match[1]!);
    });
    child.stderr.on('data', (chunk) => (log += chunk));
    child.on('exit', (code) => reject(new Error(`example exited with ${code}: ${log}`)));
  });
  return { url, child, log: () => log };
}

eachDialect('the example server boots, upgrades, answers', async (t, db) => {
  const env: Record<string, string> =
    db.dialect === 'postgresql' ? { DATABASE_URL: db.location } : { SQLITE_PATH: db.location };
  const bundle = bundles[db.dialect];
  const head = [bundle[bundle.length - 1]!.id];
  const server = await startServer(env);
  t.teardown(() => void server.child.kill());

  const health = await (await fetch(`${server.url}/health`)).json();
  t.same(health, { status: 'ok', revision: head }, 'migrated to the bundled head before listening');
  t.same(await versionRows(db), bundle.map((r) => r.id).sort());
  const lines = server
    .log()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  t.ok(
    lines.some((l) => l.component === 'upshift' && /^upgrade done: 3 revision/.test(l.msg)),
    "upshift logged through Fastify's logger",
  );

  const created = await fetch(`${server.url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada@example.com', name: 'Ada', bio: 'first' }),
  });
  t.equal(created.status, 201);
  const user = (await created.json()) as { id: number };
  const post = await fetch(`${server.url}/users/${user.id}/posts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Hello' }),
  });
  t.equal(post.status, 201, 'the relation from the second revision works');
  const users = (await (await fetch(`${server.url}/users`)).json()) as { email: string; bio: string }[];
  t.same(
    users.map((u) => [u.email, u.bio]),
    [['ada@example.com', 'first']],
  );

  // A second boot against the same database: the fast path, nothing applied.
  server.child.kill();
  const again = await startServer(env);
  t.teardown(() => void again.child.kill());
  t.same(await (await fetch(`${again.url}/health`)).json(), { status: 'ok', revision: head });
  t.notMatch(again.log(), /applying revision/, 'the second boot applied nothing');
});
