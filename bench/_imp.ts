const lap = async (l: string, f: () => Promise<unknown>) => { const t = performance.now(); await f(); console.log(l.padEnd(36), (performance.now() - t).toFixed(1), 'ms'); };
await lap('@mikro-orm/core', () => import('@mikro-orm/core'));
await lap('pino', () => import('pino'));
for (const f of ['errors', 'revision', 'min-heap', 'revision-graph', 'checksum', 'instance', 'dialect/dialect', 'lock', 'dialect/postgresql', 'dialect/sqlite', 'dialect/index', 'database', 'store', 'state', 'plan', 'stamp', 'options']) await lap('lib/' + f, () => import(`../lib/${f}.ts`));
await lap('umzug', () => import('umzug'));
await lap('lib/runner', () => import('../lib/runner.ts'));
await lap('lib/migrator', () => import('../lib/migrator.ts'));
await lap('upshift', () => import('upshift'));
