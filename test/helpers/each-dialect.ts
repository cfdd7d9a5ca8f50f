import t, { type Test, type TestOpts } from 'tap';
import type { BuiltPlugins } from '@tapjs/test';
import {
  createDatabase,
  mariadbAvailable,
  postgresAvailable,
  type AnyDialectName,
  type DialectName,
  type TestDatabase,
} from './databases.ts';

export const DIALECTS: DialectName[] = ['postgresql', 'sqlite'];
/** Every database the runtime supports. */
export const DATABASES: AnyDialectName[] = ['postgresql', 'sqlite', 'mariadb'];

/**
 * Runs `body` once per database as a subtest, each on a fresh database dropped afterwards.
 * Without PostgreSQL outside CI, the PostgreSQL subtest is skipped and says why.
 */
export function eachDialect(name: string, body: (t: TapTest, db: TestDatabase) => Promise<void>): void {
  forDialects(DIALECTS, name, body);
}

/**
 * Like eachDialect, on MariaDB too: for the runtime's behaviour, which is the same on every
 * database (MariaDB's differences are tested in mariadb-migrator.test.ts).
 */
export function eachDatabase(
  name: string,
  body: (t: TapTest, db: TestDatabase<AnyDialectName>) => Promise<void>,
): void {
  forDialects(DATABASES, name, body);
}

/** For what exists on MariaDB/MySQL (the dialect of issue 27, in progress: see README). */
export function onMariadb(name: string, body: (t: TapTest, db: TestDatabase<'mariadb'>) => Promise<void>): void {
  t.test(`${name} [mariadb]`, async (tt) => {
    if (!(await mariadbAvailable())) {
      tt.plan(0, 'MariaDB is not reachable (set CI=true to make this a failure)');
      return;
    }
    const db = await createDatabase('mariadb');
    tt.teardown(() => db.drop());
    await body(tt, db);
  });
}

/** Like eachDialect, for what exists on PostgreSQL only. */
export function onPostgres(name: string, body: (t: TapTest, db: TestDatabase) => Promise<void>): void {
  forDialects(['postgresql'], name, body);
}

function forDialects<D extends AnyDialectName>(
  dialects: readonly D[],
  name: string,
  body: (t: TapTest, db: TestDatabase<D>) => Promise<void>,
): void {
  for (const dialect of dialects) {
    t.test(`${name} [${dialect}]`, async (tt) => {
      if (dialect === 'postgresql' && !(await postgresAvailable())) {
        tt.plan(0, 'PostgreSQL is not reachable (set CI=true to make this a failure)');
        return;
      }
      if (dialect === 'mariadb' && !(await mariadbAvailable())) {
        tt.plan(0, 'MariaDB is not reachable (set CI=true to make this a failure)');
        return;
      }
      const db = (await createDatabase(dialect as never)) as TestDatabase<D>;
      tt.teardown(() => db.drop());
      await body(tt, db);
    });
  }
}

/** The `t` that tap passes to a subtest. */
export type TapTest = Test<BuiltPlugins, TestOpts> & BuiltPlugins;
