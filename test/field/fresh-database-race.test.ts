// Finding 1: replicas booting at once against a PostgreSQL (or MariaDB) database that does not exist yet.
// MikroORM creates it on connect, and a replica that loses that race is left connected to the
// maintenance database. upshift must never write there: it checks where it is before its first
// write, and recovers (or fails, typed, naming the cause).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import t from 'tap';
import mysql from 'mysql2/promise';
import { MARIADB_ADMIN_URL, mariadbAvailable, PG_ADMIN_URL, postgresAvailable } from '../helpers/databases.ts';
import { startWorker } from '../helpers/workers.ts';

const REPLICAS = 4;
const ROUNDS = 5;

async function admin<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${database}`) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const tablesIn = (database: string) =>
  admin(database, async (c) =>
    (
      await c.query<{ name: string }>(
        "select schemaname || '.' || tablename as name from pg_tables where schemaname not in ('pg_catalog', 'information_schema') order by 1",
      )
    ).rows.map((r) => r.name),
  );

t.test('replicas racing to create a missing database never migrate the maintenance database', async (t) => {
  if (!(await postgresAvailable())) return t.plan(0, 'PostgreSQL is not reachable');
  const before = await tablesIn('postgres');
  // What a failing run would have left in the maintenance database: this test's tables only.
  t.teardown(async () => {
    const gained = (await tablesIn('postgres')).filter(
      (name) => !before.includes(name) && /^public\.(upshift_revisions(_state)?|side_effects|t_rev\d{4})$/.test(name),
    );
    if (gained.length > 0) await admin('postgres', (c) => c.query(`drop table if exists ${gained.join(', ')} cascade`));
  });
  for (let round = 1; round <= ROUNDS; round++) {
    const name = `upshift_t_fresh_${randomBytes(5).toString('hex')}`;
    const location = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
    const workers = Array.from({ length: REPLICAS }, () =>
      startWorker({ dialect: 'postgresql', location }, { REVISIONS: 5, BARRIER: 1, WARMUP: '0' }),
    );
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    const results = await Promise.all(workers.map((w) => w.done));
    try {
      for (const [i, r] of results.entries()) {
        t.ok(
          r.result?.ok === true || /^UPSHIFT_/.test(String(r.result?.code)),
          `round ${round}, replica ${i}: succeeds or fails typed (${JSON.stringify(r.result)?.slice(0, 300)}${r.result ? '' : r.stderr.slice(-600)})`,
        );
      }
      t.same(await tablesIn('postgres'), before, `round ${round}: the maintenance database gained no table`);
      const rows = await admin(name, async (c) =>
        (await c.query<{ id: string }>('select id from upshift_revisions order by id')).rows.map((r) => r.id),
      );
      t.same(
        rows,
        ['rev0001', 'rev0002', 'rev0003', 'rev0004', 'rev0005'],
        `round ${round}: the intended database is at head`,
      );
      const applied = results.flatMap((r) => (r.result?.applied as string[] | undefined) ?? []);
      t.equal(applied.length, 5, `round ${round}: each revision applied once between the replicas`);
    } finally {
      await admin('postgres', (c) => c.query(`drop database if exists "${name}" with (force)`));
    }
  }
});

// The same on MariaDB: MikroORM switches its configuration to information_schema to create the
// database, and a replica that loses the race (ER_DB_CREATE_EXISTS) is left there.
t.test('MariaDB: replicas racing to create a missing database all reach head, each revision once', async (t) => {
  if (!(await mariadbAvailable())) return t.plan(0, 'MariaDB is not reachable (set CI=true to make this a failure)');
  const server = await mysql.createConnection({ uri: MARIADB_ADMIN_URL });
  t.teardown(() => server.end());
  for (let round = 1; round <= ROUNDS; round++) {
    const name = `upshift_t_fresh_${randomBytes(5).toString('hex')}`;
    const location = MARIADB_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
    const workers = Array.from({ length: REPLICAS }, () =>
      startWorker({ dialect: 'mariadb', location }, { REVISIONS: 5, BARRIER: 1, WARMUP: '0' }),
    );
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    const results = await Promise.all(workers.map((w) => w.done));
    try {
      for (const [i, r] of results.entries()) {
        t.equal(
          r.result?.ok,
          true,
          `round ${round}, replica ${i}: succeeds (${JSON.stringify(r.result)?.slice(0, 300)}${r.result ? '' : r.stderr.slice(-600)})`,
        );
      }
      const [rows] = (await server.query(`select id from \`${name}\`.upshift_revisions order by id`)) as [
        { id: string }[],
        unknown,
      ];
      t.same(
        rows.map((r) => r.id),
        ['rev0001', 'rev0002', 'rev0003', 'rev0004', 'rev0005'],
        `round ${round}: the intended database is at head`,
      );
      const applied = results.flatMap((r) => (r.result?.applied as string[] | undefined) ?? []);
      t.equal(applied.length, 5, `round ${round}: each revision applied once between the replicas`);
    } finally {
      await server.query(`drop database if exists \`${name}\``);
    }
  }
});
