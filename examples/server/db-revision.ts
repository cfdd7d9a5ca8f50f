// `npm run db:revision -- -m "add email to user"`: writes a revision for the model changes.
// Development only (it imports upshift/dev). SQLite by default; DATABASE_URL for PostgreSQL.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { revision } from 'upshift/dev';
import { createOrm, dialectOf } from './orm.ts';
import { bundleDir } from './revisions.ts';

const { values } = parseArgs({ options: { message: { type: 'string', short: 'm' }, empty: { type: 'boolean' } } });
if (!values.message) {
  console.error('usage: npm run db:revision -- -m "what this revision does" [--empty]');
  process.exit(2);
}
// The ORM only lends its entities and settings: revision() works on a shadow database.
const orm = await createOrm({ ...process.env, SQLITE_PATH: ':memory:' });
try {
  const dir = fileURLToPath(bundleDir(dialectOf(process.env)));
  const written = await revision({ orm, dir, message: values.message, autogenerate: !values.empty });
  console.log(written ? `wrote ${written.path}` : 'no changes: no revision written');
} finally {
  await orm.close();
}
