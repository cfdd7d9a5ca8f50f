import t from 'tap';
import { defineRevision, Migrator, RevisionFailedError } from 'upshift';
import { schemaFingerprint } from '../lib/dialect/mariadb/progress.ts';
import { changesRowsOnly, SchemaAhead } from '../lib/dialect/mariadb/schema-ahead.ts';
import { onMariadb } from './helpers/each-dialect.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

t.test('SchemaAhead: the fingerprint read ahead, unless forgotten or failed', async (t) => {
  let reads = 0;
  const ahead = new SchemaAhead(async () => `ahead ${++reads}`);
  const now = async () => 'now';
  t.equal(await ahead.take(now), 'now', 'nothing read ahead: read now');
  ahead.refresh();
  t.equal(await ahead.take(now), 'ahead 1', 'read ahead after a DDL statement: used');
  t.equal(await ahead.take(now), 'now', 'used once: the next DDL statement reads again');
  ahead.refresh();
  ahead.forget();
  t.equal(await ahead.take(now), 'now', 'forgotten (something may have changed the schema unseen): read now');
  const failing = new SchemaAhead(async () => {
    throw new Error('lock connection gone');
  });
  failing.refresh();
  await failing.settle();
  t.equal(await failing.take(now), 'now', 'a read ahead that failed: read now');
});

t.test('changesRowsOnly: DML and reads keep the fingerprint read ahead, anything else forgets it', async (t) => {
  for (const sql of [
    'insert into t values (1)',
    ' UPDATE t set a = 1',
    'delete from t',
    'replace into t values (1)',
    'select 1',
    'with x as (select 1) select * from x',
    '(select 1)',
  ])
    t.ok(changesRowsOnly(sql), sql);
  for (const sql of [
    'call make_table()',
    'execute immediate "create table x (a int)"',
    'set foreign_key_checks = 0',
    'do 1',
    'create table x (a int)',
  ])
    t.notOk(changesRowsOnly(sql), sql);
});

for (const [between, why] of [
  ['insert into t_a values (1)', 'DML between: the fingerprint read ahead on the lock connection is used'],
  ['call upshift_test_make_b()', 'a CALL between (it creates t_b unseen): the fingerprint is read after it'],
] as const) {
  onMariadb(`a DDL statement's progress mark holds the schema just before it (${why})`, async (t, db) => {
    await db.query('create procedure upshift_test_make_b() begin create table t_b (id int primary key); end');
    const orm = await db.orm();
    const revision = defineRevision({
      id: 'rev0001',
      parents: [],
      async up({ sql }) {
        await sql('create table t_a (id int primary key)');
        await sql(between);
        // Fails without effect (t_a exists): the progress row stays with this statement's mark.
        await sql('create table t_a (id int primary key)');
      },
    });
    const m = new Migrator({ orm, revisions: [revision], logger: memoryLogger().logger });
    await t.rejects(m.upgrade(), RevisionFailedError);
    await orm.close(true);
    const [row] = await db.query<{ schema_before: string; completed: number }>(
      'select `schema_before`, `completed` from `upshift_revisions_progress`',
    );
    t.equal(Number(row?.completed), 2, 'statements 1 and 2 committed');
    const now = await schemaFingerprint(async (sql, params) => ({ rows: await db.query(sql, params), affected: 0 }));
    t.equal(row?.schema_before, now, 'the mark holds the schema as statement 2 left it');
  });
}
