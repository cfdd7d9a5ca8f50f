import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, OfflineUnsupportedError, defineRevision, type Revision } from 'upshift';
import { createDatabase, openOrm, type TestDatabase } from './helpers/databases.ts';
import { eachDialect } from './helpers/each-dialect.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

/** A value that would end its literal early if it were pasted in unquoted. */
const TRICKY = "it's; drop table account; -- ? $$";

/**
 * Four revisions covering what a script must carry: a parameterised insert with quotes and a
 * "?" inside a literal, a `transaction: false` revision (CREATE INDEX CONCURRENTLY on PostgreSQL),
 * a SQLite table rebuild with foreign keys off, and a merge-free linear tail.
 */
function revisions(dialect: 'postgresql' | 'sqlite'): Revision[] {
  return [
    defineRevision({
      id: 'off0001',
      parents: [],
      message: "accounts (with a 'quote')",
      createdAt: '2026-01-01T00:00:01Z',
      async up({ sql }) {
        await sql(
          "create table account (id integer primary key, name varchar(100) not null, note varchar(100) default 'why?')",
        );
        await sql('insert into account (id, name) values (?, ?), (?, ?)', [1, TRICKY, 2, 'plain']);
      },
      async down({ sql }) {
        await sql('drop table account');
      },
    }),
    defineRevision({
      id: 'off0002',
      parents: ['off0001'],
      message: 'index outside a transaction',
      createdAt: '2026-01-01T00:00:02Z',
      transaction: false,
      async up({ sql }) {
        await sql(
          dialect === 'postgresql'
            ? 'create index concurrently account_name on account (name)'
            : 'create index account_name on account (name)',
        );
      },
      async down({ sql }) {
        await sql('drop index account_name');
      },
    }),
    defineRevision({
      id: 'off0003',
      parents: ['off0002'],
      message: 'orders',
      createdAt: '2026-01-01T00:00:03Z',
      disableForeignKeys: true,
      async up({ sql }) {
        await sql(
          'create table orders (id integer primary key, account_id integer not null references account (id), flag boolean not null)',
        );
        await sql('insert into orders (id, account_id, flag) values (?, ?, ?)', [10, 1, true]);
      },
      async down({ sql }) {
        await sql('drop table orders');
      },
    }),
  ];
}

/** Runs a script with the database's own command-line client, stopping at the first error. */
function applyWithClient(db: TestDatabase, script: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'upshift-sql-'));
  try {
    const file = join(dir, 'script.sql');
    writeFileSync(file, script);
    if (db.dialect === 'postgresql')
      execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, db.location], { stdio: 'pipe' });
    else execFileSync('sqlite3', ['-bail', db.location, `.read ${file}`], { stdio: 'pipe' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Schema, data, version rows (less timestamps and who applied) and the state row, comparable across databases. */
async function snapshot(db: TestDatabase): Promise<unknown> {
  const schema =
    db.dialect === 'postgresql'
      ? await db.query(
          "select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns where table_schema = 'public' order by table_name, column_name",
        )
      : await db.query(
          "select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by name",
        );
  const indexes =
    db.dialect === 'postgresql'
      ? await db.query("select indexname, indexdef from pg_indexes where schemaname = 'public' order by indexname")
      : [];
  const hasTable = async (name: string) =>
    (db.dialect === 'postgresql'
      ? await db.query('select 1 from pg_tables where schemaname = $1 and tablename = $2', ['public', name])
      : await db.query("select 1 from sqlite_master where type = 'table' and name = ?", [name])
    ).length > 0;
  const accounts = (await hasTable('account'))
    ? await db.query('select id, name, note from account order by id')
    : null;
  const orders = (await hasTable('orders'))
    ? (await db.query<{ id: number; flag: unknown }>('select id, flag from orders order by id')).map((o) => ({
        id: Number(o.id),
        flag: Boolean(o.flag),
      }))
    : null;
  const versions = await db.query(
    'select "id", "parents", "message", "checksum" from "upshift_revisions" order by "id"',
  );
  const state = await db.query('select "id", "keys_digest", "ids_digest" from "upshift_revisions_state"');
  return { schema, indexes, accounts, orders, versions, state };
}

eachDialect('sql("upgrade") applied by the database client gives what upgrade() gives', async (t, db) => {
  const other = await createDatabase(db.dialect);
  t.teardown(() => other.drop());
  const { logger } = memoryLogger();
  const offline = new Migrator({ orm: await db.orm(), revisions: revisions(db.dialect), logger });
  const script = await offline.sql('upgrade');
  t.match(script, /begin;/i);
  t.match(script, /insert into .*upshift_revisions/);
  if (db.dialect === 'postgresql')
    t.match(script, /off0002 has transaction: false/, 'the index is outside any transaction');
  else t.match(script, /pragma foreign_keys = off;/);
  t.same(
    await db.query(
      db.dialect === 'postgresql'
        ? "select 1 from pg_tables where schemaname = 'public'"
        : "select 1 from sqlite_master where type = 'table'",
    ),
    [],
    'rendering wrote nothing',
  );

  applyWithClient(db, script);
  const real = new Migrator({ orm: await other.orm(), revisions: revisions(db.dialect), logger });
  t.same((await real.upgrade()).applied, ['off0001', 'off0002', 'off0003']);
  const [a, b] = [await snapshot(db), await snapshot(other)];
  t.same(a, b, 'same schema, data, version rows and state row');
  t.match(a, {
    accounts: [
      { id: 1, name: TRICKY },
      { id: 2, name: 'plain' },
    ],
  });

  // The state row the script wrote vouches for the bundle: the next boot has nothing to do.
  const after = await offline.upgrade();
  t.same(after.applied, []);
  t.equal(await offline.sql('upgrade'), (await offline.sql('upgrade')).replace(/x^/, ''), 'rendering is repeatable');
  t.notMatch(
    await offline.sql('upgrade'),
    /insert into "?(public"\.")?upshift_revisions"? \(/,
    'nothing left to upgrade: no version rows',
  );
});

eachDialect('sql("downgrade") and sql("stamp") match downgrade() and stamp()', async (t, db) => {
  const other = await createDatabase(db.dialect);
  t.teardown(() => other.drop());
  const { logger } = memoryLogger();
  const a = new Migrator({ orm: await db.orm(), revisions: revisions(db.dialect), logger });
  const b = new Migrator({ orm: await other.orm(), revisions: revisions(db.dialect), logger });
  await a.upgrade();
  await b.upgrade();
  applyWithClient(db, await a.sql('downgrade', 'off0001'));
  await b.downgrade('off0001');
  t.same(await snapshot(db), await snapshot(other), 'after a downgrade');
  t.same(await a.current(), ['off0001']);

  applyWithClient(db, await a.sql('stamp', 'heads'));
  await b.stamp('heads');
  t.same(await snapshot(db), await snapshot(other), 'after a stamp');
  t.same(await a.current(), ['off0003']);
});

eachDialect('sql(op, target, { from }) makes no connection', async (t, db) => {
  // An ORM whose database cannot be reached at all: nothing listens on port 1, no such folder.
  const nowhere =
    db.dialect === 'postgresql'
      ? 'postgresql://postgres@127.0.0.1:1/nowhere'
      : '/nonexistent-upshift-folder/app.sqlite';
  const orm = await openOrm(db.dialect, nowhere, [], { connect: false });
  t.teardown(() => orm.close(true).catch(() => undefined));
  const m = new Migrator({ orm, revisions: revisions(db.dialect), logger: memoryLogger().logger });
  const full = await m.sql('upgrade', undefined, { from: 'base' });
  t.match(full, /off0001/);
  const tail = await m.sql('upgrade', 'heads', { from: 'off0002' });
  t.notMatch(tail, /create table account/);
  t.match(tail, /create table orders/);
  const down = await m.sql('downgrade', 'base', { from: ['off0003'] });
  t.match(down, /drop table orders;[\s\S]*drop index account_name;[\s\S]*drop table account;/, 'children first');
  await t.rejects(m.sql('upgrade', 'heads', { from: 'nope0001' }), { code: 'UPSHIFT_CONFIGURATION' });
  await t.rejects(
    m.sql('upgrade'),
    { name: /Error$/, code: /^UPSHIFT_/ },
    'without from, the database is needed: a typed failure',
  );
});

eachDialect('a revision that reads results or uses ctx.em cannot be rendered', async (t, db) => {
  const base = revisions(db.dialect)[0]!;
  const reads = defineRevision({
    id: 'reads0001',
    parents: ['off0001'],
    async up({ sql }) {
      const rows = await sql<{ n: number }>('select count(*) as n from account');
      if (rows.length > 0) await sql('select 1');
    },
  });
  const usesEm = defineRevision({
    id: 'uses0001',
    parents: ['off0001'],
    async up(ctx) {
      ctx.em.clear();
    },
  });
  for (const revision of [reads, usesEm]) {
    const m = new Migrator({ orm: await db.orm(), revisions: [base, revision], logger: memoryLogger().logger });
    const error = await m.sql('upgrade', undefined, { from: 'base' }).catch((e: unknown) => e);
    t.type(error, OfflineUnsupportedError);
    t.match(error, { code: 'OFFLINE_UNSUPPORTED', revisionId: revision.id, message: new RegExp(revision.id) });
  }
});
