// Finding 8 of issue 22: MikroORM writes some SQL that the database rejects. revision() replays
// what it generates on the shadow database and fails there, naming the statement and the entity
// property, instead of writing a revision that cannot run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { EntitySchema } from '@mikro-orm/core';
import { GeneratedStatementError, init, revision } from 'upshift/dev';
import { entitiesOf } from '../fixtures/entities/spec.ts';
import { mikroOrmSql } from '../fixtures/entities/mikro-orm-sql/index.ts';
import { mikroOrmSchema } from '../fixtures/entities/mikro-orm-schema/index.ts';
import { createDatabase, type TestDatabase } from '../helpers/databases.ts';
import { onPostgres, type TapTest } from '../helpers/each-dialect.ts';
import { files, silent } from './load.ts';
import { workspace } from './workspace.ts';

async function rejected(t: TapTest, db: TestDatabase, entities: unknown[]): Promise<GeneratedStatementError> {
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  const listed = files(ws.dir);
  const index = readFileSync(join(ws.dir, 'index.ts'), 'utf8');
  const error = await revision({ orm: await db.orm(entities), dir: ws.dir, message: 'base', logger: silent }).catch(
    (e: unknown) => e,
  );
  t.type(error, GeneratedStatementError);
  t.match(error, { code: 'UPSHIFT_GENERATED_SQL_REJECTED' });
  t.same(files(ws.dir), listed, 'no revision file written');
  t.equal(readFileSync(join(ws.dir, 'index.ts'), 'utf8'), index, 'index.ts unchanged');
  return error as GeneratedStatementError;
}

t.test(
  "SQLite rejects MikroORM's `default current_timestamp(3)` (MikroORM's Author2.createdAt, sql.now(3))",
  async (t) => {
    const db = await createDatabase('sqlite');
    t.teardown(() => db.drop());
    const error = await rejected(t, db, entitiesOf(mikroOrmSql('sqlite', { faithful: true })));
    t.match(error.statement, /^create table `author2` \(.*default current_timestamp\(3\)/);
    t.match(error, { property: 'Author2.createdAt', table: 'author2', column: 'created_at' });
    t.match(
      error.message,
      /The database says: near "\(": syntax error\nIt comes from Author2\.createdAt \(column "author2"\."created_at"\)/,
    );
  },
);

onPostgres("PostgreSQL rejects `boolean … default 0` (MikroORM's Author4.termsAccepted, default(0))", async (t, db) => {
  const error = await rejected(t, db, entitiesOf(mikroOrmSchema('postgresql', { faithful: true })));
  t.match(error.statement, /"terms_accepted" boolean not null default 0/);
  t.match(error, { property: 'Author4.termsAccepted', column: 'terms_accepted' });
  t.match(error.message, /column "terms_accepted" is of type boolean but default expression is of type integer/);
});

onPostgres(
  "PostgreSQL rejects a datetime version column's `default 1` (type 'datetime' in an EntitySchema)",
  async (t, db) => {
    const Doc = new EntitySchema({
      name: 'Doc',
      properties: { id: { type: 'integer', primary: true }, version: { type: 'datetime', version: true } },
    } as never);
    const error = await rejected(t, db, [Doc]);
    t.match(error, { property: 'Doc.version', table: 'doc', column: 'version' });
  },
);
