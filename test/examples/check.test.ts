// The test hook an app would write: the example's entities and its revisions agree, and every
// revision survives upgrade → downgrade → upgrade (on a shadow database, never the app's).
import { check } from 'upshift/dev';
import { eachDialect } from '../helpers/each-dialect.ts';
import { entities } from '../../examples/server/entities.ts';
import { bundles } from '../../examples/server/revisions.ts';

eachDialect("the example's revisions match its entities (check())", async (t, db) => {
  const orm = await db.orm(entities);
  const result = await check({ orm, revisions: bundles[db.dialect] });
  t.equal(result.revisions, 3);
  t.same(result.irreversible, []);
});
