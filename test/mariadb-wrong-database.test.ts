// Never the wrong database on MariaDB: an app whose connection hook runs USE on another database
// (or a proxy that maps names) must not have upshift write there. The boot read is no answer in
// another database, and the first write is preceded by a check of database() against the ORM's
// configuration (WrongDatabaseError), as on PostgreSQL.
import { CompiledQuery } from 'kysely';
import { defineRevision, Migrator, WrongDatabaseError } from 'upshift';
import { createDatabase } from './helpers/databases.ts';
import { onMariadb } from './helpers/each-dialect.ts';
import { userTables } from './helpers/schema.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

const revisions = [
  defineRevision({
    id: 'base_0001',
    parents: [],
    async up({ sql }) {
      await sql('create table thing (id int primary key)');
    },
  }),
];

onMariadb('a connection hook that switches to another database: WrongDatabaseError, nothing written', async (t, db) => {
  const other = await createDatabase('mariadb');
  t.teardown(() => other.drop());
  const otherName = other.location.split('/').pop()!;
  const orm = await db.orm([], {
    onCreateConnection: async (connection: { executeQuery(query: CompiledQuery): Promise<unknown> }) => {
      await connection.executeQuery(CompiledQuery.raw(`use \`${otherName}\``));
    },
  });
  const migrator = new Migrator({ orm, revisions, logger: memoryLogger().logger });
  const error = await migrator.upgrade().catch((e: unknown) => e);
  t.type(error, WrongDatabaseError);
  t.match(error, {
    code: 'UPSHIFT_WRONG_DATABASE',
    expected: db.location.split('/').pop(),
    actual: otherName,
    message: /configured for database ".*", but its connection is on ".*"\. upshift wrote nothing/,
  });
  t.same(await userTables(other), [], 'nothing written in the database the hook switched to');
  t.same(await userTables(db), [], "nor in the app's");
});
