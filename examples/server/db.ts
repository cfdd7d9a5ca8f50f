// `npm run db -- <command>` (history, upgrade --sql, status, revision -m "…", --help): upshift's
// commands for this app. SQLite by default (SQLITE_PATH or example.db); DATABASE_URL for PostgreSQL.
import { fileURLToPath } from 'node:url';
import { runCommand } from 'upshift/commands';
import { createOrm, dialectOf } from './orm.ts';
import { bundleDir, bundles } from './revisions.ts';

const dialect = dialectOf(process.env);
const orm = await createOrm(process.env);
try {
  process.exitCode = await runCommand(process.argv.slice(2), {
    orm,
    revisions: bundles[dialect],
    dir: fileURLToPath(bundleDir(dialect)),
  });
} finally {
  await orm.close();
}
