// README snippets that do not compile as the README has them, each with the fix proposed to the
// lead (helpers do not edit README.md), and snippets proposed for new README text. The consumer
// compile test (consumer-compile.ts) compiles both: a README snippet listed here is reported as a
// todo (with its errors), never skipped, and its fix must compile. Once README.md carries a fix,
// its entry matches no snippet and the test fails, saying to delete the entry.

/** The README's text of a snippet (exactly, between the fences) → the corrected snippet. */
export const PROPOSED_FIXES: ReadonlyMap<string, string> = new Map();

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
