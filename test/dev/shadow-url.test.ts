import { randomBytes } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import pg from 'pg';
import t from 'tap';
import { check, init, revision, ShadowDatabaseError, ShadowDatabaseRefusedError } from 'upshift/dev';
import { createDatabase, openOrm, PG_ADMIN_URL, postgresAvailable, type TestDatabase } from '../helpers/databases.ts';
import type { TapTest } from '../helpers/each-dialect.ts';
import { files, loadEntries, silent } from './load.ts';
import { refusesAnotherAppsDatabase } from './shadow-refusal.ts';
import { workspace } from './workspace.ts';

const Item = defineEntity({
  name: 'Item',
  tableName: 'item',
  properties: { id: p.integer().primary(), name: p.string() },
});

/** Tables, views, sequences and types in the database's public schema, and its other schemas. */
async function contents(db: TestDatabase): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    "select relkind::text || ':' || relname as name from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'v', 'S', 'm') " +
      "union all select 'schema:' || nspname from pg_namespace where nspname not in ('public', 'information_schema') and nspname not like 'pg\\_%' " +
      "union all select 'type:' || typname from pg_type where typnamespace = 'public'::regnamespace and typtype = 'e' order by 1",
  );
  return rows.map((r) => r.name);
}

/**
 * A managed server, as far as upshift can tell: the app's role owns its database and a second
 * one made for the shadow, and may not CREATE DATABASE.
 */
async function managed(
  t: TapTest,
): Promise<{ app: TestDatabase; shadow: TestDatabase; urlOf: (db: TestDatabase) => string }> {
  const role = `upshift_nocreatedb_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create role "${role}" login nocreatedb`);
  const app = await createDatabase('postgresql');
  const shadow = await createDatabase('postgresql');
  const urlOf = (db: TestDatabase) => db.location.replace('postgres@', `${role}@`);
  for (const db of [app, shadow])
    await admin.query(`alter database "${db.location.split('/').pop()}" owner to "${role}"`);
  t.teardown(async () => {
    await app.drop();
    await shadow.drop();
    await admin.query(`drop role if exists "${role}"`);
    await admin.end();
  });
  return { app, shadow, urlOf };
}

t.test('shadowDatabaseUrl: revision() and check() where CREATE DATABASE is refused', async (t) => {
  if (!(await postgresAvailable())) {
    t.plan(0, 'PostgreSQL is not reachable');
    return;
  }
  const { app, shadow, urlOf } = await managed(t);
  const orm = await openOrm('postgresql', urlOf(app), [Item]);
  t.teardown(() => orm.close(true));
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });

  const refused = await revision({ orm, dir: ws.dir, message: 'items', logger: silent }).catch((e: unknown) => e);
  t.type(refused, ShadowDatabaseError, 'without a shadow URL: the role may not create one');

  // Left-overs of earlier work in the shadow, made by the role: all of it goes.
  const asRole = new pg.Client({ connectionString: urlOf(shadow) });
  await asRole.connect();
  await asRole.query(
    "create type mood as enum ('a'); create table junk (id int); create schema other; create table other.t (id int); create sequence seq1",
  );
  await asRole.end();
  t.same(await contents(shadow), ['S:seq1', 'r:junk', 'schema:other', 'type:mood']);
  const written = await revision({
    orm,
    dir: ws.dir,
    message: 'items',
    logger: silent,
    shadowDatabaseUrl: urlOf(shadow),
  });
  t.ok(written, 'a revision was generated in the shadow');
  t.match(written!.up.join('\n'), /create table "item"/);
  t.same(await contents(shadow), ['r:upshift_shadow_marker'], 'the shadow is emptied (only the marker stays)');
  t.same(await contents(app), [], "the app's database is untouched");

  const result = await check({ orm, revisions: await loadEntries(ws.dir), shadowDatabaseUrl: urlOf(shadow) });
  t.equal(
    result.revisions,
    1,
    'check() passes in the same shadow (its own version rows from before are no reason to refuse)',
  );
  t.same(await contents(shadow), ['r:upshift_shadow_marker']);
  t.ok(files(ws.dir).some((f) => f.endsWith('_items.ts')));
});

t.test("shadowDatabaseUrl refuses the app's database and one with upshift version rows", async (t) => {
  if (!(await postgresAvailable())) {
    t.plan(0, 'PostgreSQL is not reachable');
    return;
  }
  const { app, shadow, urlOf } = await managed(t);
  const orm = await openOrm('postgresql', urlOf(app), [Item]);
  t.teardown(() => orm.close(true));
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  await app.query('create table keep_me (id int)');

  const same = await revision({
    orm,
    dir: ws.dir,
    message: 'items',
    logger: silent,
    shadowDatabaseUrl: urlOf(app),
  }).catch((e: unknown) => e);
  t.type(same, ShadowDatabaseRefusedError);
  t.match(same, { code: 'UPSHIFT_SHADOW_REFUSED', message: /app's own database/ });
  t.same(await contents(app), ['r:keep_me'], 'nothing emptied');

  // Another app's database: upshift has applied revisions there.
  await refusesAnotherAppsDatabase(t, {
    dialect: 'postgresql',
    orm,
    url: urlOf(shadow),
    versionTable: /public\.upshift_revisions/,
    stillThere: async () => (await contents(shadow)).includes('r:precious'),
  });

  const bad = await check({ orm, revisions: [], shadowDatabaseUrl: 'mysql://x@y/z' }).catch((e: unknown) => e);
  t.type(bad, ShadowDatabaseError, 'not a postgresql:// URL');
});
