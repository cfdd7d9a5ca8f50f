// Finding 7: names the database reserves for itself are refused in the constructor, before any
// statement: a version table that would resolve to a catalog, a schema PostgreSQL keeps for itself.
import { ConfigurationError, Migrator } from 'upshift';
import { eachDialect } from '../helpers/each-dialect.ts';
import { countedOrm } from '../helpers/counting.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';

eachDialect('reserved table and schema names are a ConfigurationError before any statement', async (t, db) => {
  const { orm, statements } = await countedOrm(db);
  const logger = memoryLogger().logger;
  const tables = [
    'pg_class',
    'pg_upshift',
    'PG_Stats',
    'sqlite_master',
    'sqlite_sequence',
    'sqlite_upshift',
    'SQLITE_x',
  ];
  for (const tableName of tables) {
    t.throws(
      () => new Migrator({ orm, logger, revisions: [], tableName }),
      ConfigurationError,
      `tableName "${tableName}"`,
    );
    t.throws(
      () => new Migrator({ orm, logger, revisions: [], tableName }),
      new RegExp(`"${tableName}".*reserved`, 'i'),
      'the message says it is reserved',
    );
  }
  if (db.dialect === 'postgresql') {
    for (const schema of [
      'pg_catalog',
      'pg_temp',
      'pg_toast',
      'pg_anything',
      'information_schema',
      'INFORMATION_SCHEMA',
    ]) {
      t.throws(() => new Migrator({ orm, logger, revisions: [], schema }), ConfigurationError, `schema "${schema}"`);
    }
  }
  t.doesNotThrow(
    () => new Migrator({ orm, logger, revisions: [], tableName: 'my_pg_class' }),
    'a name that merely contains a reserved word is fine',
  );
  t.same(statements, [], 'not one statement was sent');
});
