import type { MikroORM } from '@mikro-orm/core';
import { defineRevision, Migrator } from 'upshift';
import { check, ShadowDatabaseRefusedError } from 'upshift/dev';
import type { AnyDialectName } from '../helpers/databases.ts';
import { openOrm } from '../helpers/databases.ts';
import type { TapTest } from '../helpers/each-dialect.ts';
import { silent } from './load.ts';

/**
 * Another app's database given as shadowDatabaseUrl: upshift has applied a revision there (table
 * `precious`), so check() must refuse it, naming the version table, and empty nothing.
 */
export async function refusesAnotherAppsDatabase(
  t: TapTest,
  options: {
    dialect: AnyDialectName;
    /** The app's ORM, on its own database. */
    orm: MikroORM;
    url: string;
    versionTable: RegExp;
    /** Whether `precious` is still in the database at `url`. */
    stillThere: () => Promise<boolean>;
  },
): Promise<void> {
  const other = await openOrm(options.dialect, options.url);
  t.teardown(() => other.close(true));
  const applied = defineRevision({
    id: 'other0001',
    parents: [],
    async up({ sql }) {
      await sql('create table precious (id int)');
    },
  });
  await new Migrator({ orm: other, revisions: [applied], logger: silent }).upgrade();
  const error = await check({ orm: options.orm, revisions: [], shadowDatabaseUrl: options.url }).catch(
    (e: unknown) => e,
  );
  t.type(error, ShadowDatabaseRefusedError);
  t.match(error, { message: new RegExp(`version table ${options.versionTable.source} holds 1 row`) });
  t.ok(await options.stillThere(), 'nothing emptied');
}
