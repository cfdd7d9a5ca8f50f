// upshift/dev's shadow database on MariaDB: created for the occasion and dropped (on success and on
// failure), or, where the user may not CREATE DATABASE, a database of its own given as
// shadowDatabaseUrl, emptied before and after use and refused when it could be anyone's data.
import { randomBytes } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { CompiledQuery } from 'kysely';
import mysql from 'mysql2/promise';
import { defineRevision } from 'upshift';
import { check, init, revision, RoundTripError, ShadowDatabaseError, ShadowDatabaseRefusedError } from 'upshift/dev';
import { createDatabase, MARIADB_ADMIN_URL, openOrm, type TestDatabase } from '../helpers/databases.ts';
import { onMariadb, type TapTest } from '../helpers/each-dialect.ts';
import { loadEntries, silent } from './load.ts';
import { refusesAnotherAppsDatabase } from './shadow-refusal.ts';
import { workspace } from './workspace.ts';

const Item = defineEntity({
  name: 'Item',
  tableName: 'item',
  properties: { id: p.integer().primary(), name: p.string() },
});

async function admin(t: TapTest) {
  const connection = await mysql.createConnection({ uri: MARIADB_ADMIN_URL });
  t.teardown(() => connection.end());
  return async <R = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    (await connection.query(sql, params))[0] as R[];
}

/** Every table, view, routine and event of a database, as `kind:name`. */
async function contents(db: TestDatabase<'mariadb'>): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    "select concat(table_type, ':', table_name) as name from information_schema.tables where table_schema = database() " +
      "union all select concat(routine_type, ':', routine_name) from information_schema.routines where routine_schema = database() " +
      "union all select concat('EVENT:', event_name) from information_schema.events where event_schema = database() order by 1",
  );
  return rows.map((r) => r.name);
}

/** The shadow databases this process made that are still there. */
async function leftShadows(t: TapTest): Promise<string[]> {
  const sql = await admin(t);
  const rows = await sql<{ name: string }>(
    'select schema_name as name from information_schema.schemata where schema_name like ?',
    [`upshift\\_shadow\\_${process.pid}\\_%`],
  );
  return rows.map((r) => r.name);
}

onMariadb(
  'the shadow database is created on the server and dropped, after success and after failure',
  async (t, db) => {
    const orm = await db.orm([Item]);
    const ws = workspace();
    t.teardown(ws.remove);
    await init({ dir: ws.dir });
    const written = await revision({ orm, dir: ws.dir, message: 'items', logger: silent });
    t.match(written!.up.join('\n'), /create table `item`/);
    t.same(await leftShadows(t), [], 'revision(): no shadow database left');
    t.same(await contents(db), [], "the app's database is untouched");

    const entries = await loadEntries(ws.dir);
    t.equal((await check({ orm, revisions: entries })).revisions, 1);
    t.same(await leftShadows(t), [], 'check(): no shadow database left');

    const broken = defineRevision({
      id: 'broken_0002',
      parents: [written!.id],
      async up({ sql }) {
        await sql('alter table `item` add `extra` int null');
      },
      async down({ sql }) {
        await sql('alter table `item` drop column `nope`');
      },
    });
    const error = await check({ orm, revisions: [...entries, broken] }).catch((e: unknown) => e);
    t.type(error, RoundTripError, 'a down() that fails is a RoundTripError');
    t.match(error, { revisionId: 'broken_0002', step: 'down' });
    t.same(await leftShadows(t), [], 'and the shadow database is dropped all the same');
  },
);

/**
 * A managed server, as far as upshift can tell: a user with every privilege on the app's database
 * and on a second one made for the shadow, and none to create databases.
 */
async function managed(t: TapTest) {
  const sql = await admin(t);
  const user = `upshift_nc_${randomBytes(4).toString('hex')}`;
  const app = await createDatabase('mariadb');
  const shadow = await createDatabase('mariadb');
  const nameOf = (db: TestDatabase<'mariadb'>) => db.location.split('/').pop()!;
  await sql(`create user '${user}'@'127.0.0.1'`);
  for (const db of [app, shadow]) await sql(`grant all on \`${nameOf(db)}\`.* to '${user}'@'127.0.0.1'`);
  t.teardown(async () => {
    await app.drop();
    await shadow.drop();
    await sql(`drop user if exists '${user}'@'127.0.0.1'`);
  });
  const urlOf = (db: TestDatabase<'mariadb'>) => db.location.replace(/\/\/[^@/]*@/, `//${user}@`);
  return { app, shadow, urlOf };
}

onMariadb('shadowDatabaseUrl: revision() and check() where CREATE DATABASE is refused', async (t) => {
  const { app, shadow, urlOf } = await managed(t);
  const orm = await openOrm('mariadb', urlOf(app), [Item]);
  t.teardown(() => orm.close(true));
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });

  const refused = await revision({ orm, dir: ws.dir, message: 'items', logger: silent }).catch((e: unknown) => e);
  t.type(refused, ShadowDatabaseError, 'without a shadow URL: the user may not create one');
  t.match(refused, { message: /may not CREATE DATABASE.*GRANT ALL ON `upshift\\_shadow\\_%`.*shadowDatabaseUrl/s });

  // Left-overs of earlier work in the shadow: tables that reference each other, a view, a routine.
  await shadow.query('create table parent (id int primary key)');
  await shadow.query(
    'create table child (id int primary key, parent_id int, foreign key (parent_id) references parent (id))',
  );
  await shadow.query('insert into parent values (1)');
  await shadow.query('insert into child values (1, 1)');
  await shadow.query('create view child_view as select id from child');
  await shadow.query('create function answer() returns int deterministic return 42');
  t.same(await contents(shadow), ['BASE TABLE:child', 'BASE TABLE:parent', 'FUNCTION:answer', 'VIEW:child_view']);

  const written = await revision({
    orm,
    dir: ws.dir,
    message: 'items',
    logger: silent,
    shadowDatabaseUrl: urlOf(shadow),
  });
  t.match(written!.up.join('\n'), /create table `item`/, 'a revision was generated in the shadow');
  t.same(await contents(shadow), ['BASE TABLE:upshift_shadow_marker'], 'the shadow is emptied (only the marker stays)');
  t.same(await contents(app), [], "the app's database is untouched");

  const result = await check({ orm, revisions: await loadEntries(ws.dir), shadowDatabaseUrl: urlOf(shadow) });
  t.equal(result.revisions, 1, 'check() passes in the same shadow (its own version rows are no reason to refuse)');
  t.same(await contents(shadow), ['BASE TABLE:upshift_shadow_marker']);
});

onMariadb("shadowDatabaseUrl refuses the app's database and one with upshift version rows", async (t) => {
  const { app, shadow, urlOf } = await managed(t);
  const orm = await openOrm('mariadb', urlOf(app), [Item]);
  t.teardown(() => orm.close(true));
  await app.query('create table keep_me (id int)');

  const same = await check({ orm, revisions: [], shadowDatabaseUrl: urlOf(app) }).catch((e: unknown) => e);
  t.type(same, ShadowDatabaseRefusedError);
  t.match(same, { code: 'UPSHIFT_SHADOW_REFUSED', message: /app's own database/ });
  t.same(await contents(app), ['BASE TABLE:keep_me'], 'nothing emptied');

  // Another app's database: upshift has applied revisions there.
  await refusesAnotherAppsDatabase(t, {
    dialect: 'mariadb',
    orm,
    url: urlOf(shadow),
    versionTable: /upshift_revisions/,
    stillThere: async () => (await contents(shadow)).includes('BASE TABLE:precious'),
  });

  const bad = await check({ orm, revisions: [], shadowDatabaseUrl: 'postgresql://x@y/z' }).catch((e: unknown) => e);
  t.type(bad, ShadowDatabaseError, 'not a mysql:// or mariadb:// URL');
  t.match(bad, { message: /must be a mysql:\/\/ URL/ });
});

onMariadb("a connection hook that runs USE: the shadow refuses, and the app's database is untouched", async (t, db) => {
  const appName = db.location.split('/').pop()!;
  const orm = await db.orm([Item], {
    onCreateConnection: async (connection: { executeQuery(query: CompiledQuery): Promise<unknown> }) => {
      await connection.executeQuery(CompiledQuery.raw(`use \`${appName}\``));
    },
  });
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  const error = await revision({ orm, dir: ws.dir, message: 'items', logger: silent }).catch((e: unknown) => e);
  t.type(error, ShadowDatabaseError);
  t.match(error, {
    message: /shadow database's connections are on database ".*" instead of upshift_shadow_.*onCreateConnection/,
  });
  t.same(await contents(db), [], "nothing was replayed in the app's database");
  t.same(await leftShadows(t), [], 'and the shadow database is dropped');
});
