// README snippets that do not compile as the README has them, each with the fix proposed to the
// lead (helpers do not edit README.md), and snippets proposed for new README text. The consumer
// compile test (consumer-compile.ts) compiles both: a README snippet listed here is reported as a
// todo (with its errors), never skipped, and its fix must compile. Once README.md carries a fix,
// its entry matches no snippet and the test fails, saying to delete the entry.

/** The README's text of a snippet (exactly, between the fences) → the corrected snippet. */
export const PROPOSED_FIXES: ReadonlyMap<string, string> = new Map([
  // Quick start, the revision file revision() writes: `Revision` is used, not imported.
  [
    `export default {
  id: '3f2a9c1b7d10',
  parents: ['a1b2c3d4e5f6'],
  message: 'add email',
  createdAt: '2026-11-21T10:00:00.000Z',
  transaction: true,
  async up({ sql }) {
    await sql('alter table "user" add "email" varchar(255) null');
  },
  async down({ sql }) {
    await sql('alter table "user" drop column "email"');
  },
} satisfies Revision;`,
    `import type { Revision } from 'upshift';

export default {
  id: '3f2a9c1b7d10',
  parents: ['a1b2c3d4e5f6'],
  message: 'add email',
  createdAt: '2026-11-21T10:00:00.000Z',
  transaction: true,
  async up({ sql }) {
    await sql('alter table "user" add "email" varchar(255) null');
  },
  async down({ sql }) {
    await sql('alter table "user" drop column "email"');
  },
} satisfies Revision;`,
  ],
  // Quick start, at boot: `MikroORM` is used, not imported.
  [
    `import { Migrator } from 'upshift';
import { revisions } from './revisions/index.ts';

const orm = await MikroORM.init(config);
await new Migrator({ orm, revisions, logger: app.log }).upgrade();
await app.listen({ port: 3000 });`,
    `import { MikroORM } from '@mikro-orm/sqlite'; // or '@mikro-orm/postgresql'
import { Migrator } from 'upshift';
import { revisions } from './revisions/index.ts';

const orm = await MikroORM.init(config);
await new Migrator({ orm, revisions, logger: app.log }).upgrade();
await app.listen({ port: 3000 });`,
  ],
  // API: `Migrator` is used, not imported (the option values are the context's).
  [
    `new Migrator({
  orm, // a MikroORM 7 instance (PostgreSQL or SQLite)
  revisions, // the bundle: revisions/index.ts's list
  logger, // the app's pino logger (default: pino "upshift" at info, loaded on the first line to log)
  tableName, // default 'upshift_revisions' (≤ 57 characters; \`<tableName>_state\` beside it)
  schema, // PostgreSQL: the version table's schema (default below)
  lock: { timeoutMs, scope }, // wait for another instance: default 60 000 ms; 'session' | 'transaction'
  ddl: { lockTimeoutMs, statementTimeoutMs, retries }, // PostgreSQL table locks: see "Changing a busy database"
  transaction, // 'each' (default): a transaction per revision | 'all': one for the run
  onDatabaseAhead, // 'warn' (default) | 'error' | 'apply' (see Guarantees)
  checksums, // 'warn' (default) | 'error' | 'off'
  adoptFrom, // MikroORM's migrations table to take over (default its tableName) | false
});`,
    `import { Migrator } from 'upshift';

new Migrator({
  orm, // a MikroORM 7 instance (PostgreSQL or SQLite)
  revisions, // the bundle: revisions/index.ts's list
  logger, // the app's pino logger (default: pino "upshift" at info, loaded on the first line to log)
  tableName, // default 'upshift_revisions' (≤ 57 characters; \`<tableName>_state\` beside it)
  schema, // PostgreSQL: the version table's schema (default below)
  lock: { timeoutMs, scope }, // wait for another instance: default 60 000 ms; 'session' | 'transaction'
  ddl: { lockTimeoutMs, statementTimeoutMs, retries }, // PostgreSQL table locks: see "Changing a busy database"
  transaction, // 'each' (default): a transaction per revision | 'all': one for the run
  onDatabaseAhead, // 'warn' (default) | 'error' | 'apply' (see Guarantees)
  checksums, // 'warn' (default) | 'error' | 'off'
  adoptFrom, // MikroORM's migrations table to take over (default its tableName) | false
});`,
  ],
]);

/** Snippets proposed for new README text (written in src/, like an unnamed README snippet). */
export const PROPOSED_SNIPPETS: readonly string[] = [
  // Commands for your own scripts: several databases.
  `import { runCommand } from 'upshift/commands';
import { databases } from './databases/index.ts';
import { analyticsOrm, orm } from './orm.ts';

// npm run db -- upgrade (every database) | npm run db -- status --db analytics
process.exitCode = await runCommand(process.argv.slice(2), {
  dir: 'src/databases', // one revisions folder per database: src/databases/<name>/
  databases: {
    main: { orm, revisions: databases.main },
    analytics: { orm: analyticsOrm, revisions: databases.analytics },
  },
});`,
  // Commands for your own scripts: a schema per tenant.
  `import { runCommand } from 'upshift/commands';
import { orm } from './orm.ts';
import { revisions } from './revisions/index.ts';

// npm run db -- upgrade --all-tenants | npm run db -- status --tenant acme
process.exitCode = await runCommand(process.argv.slice(2), {
  orm,
  revisions,
  dir: 'src/revisions',
  tenants: { schemas: async () => ['acme', 'globex'], concurrency: 8 }, // or a list
});`,
];
