import t from 'tap';
import { createDatabase, postgresAvailable, type TestDatabase } from '../helpers/databases.ts';
import type { TapTest } from '../helpers/each-dialect.ts';

/** Like eachDialect, for what exists on PostgreSQL only. */
export function onPostgres(name: string, body: (t: TapTest, db: TestDatabase) => Promise<void>): void {
  t.test(`${name} [postgresql]`, async (tt) => {
    if (!(await postgresAvailable())) {
      tt.plan(0, 'PostgreSQL is not reachable (set CI=true to make this a failure)');
      return;
    }
    const db = await createDatabase('postgresql');
    tt.teardown(() => db.drop());
    await body(tt, db);
  });
}
