import { defineRevision, Migrator } from 'upshift';
import { checksumOf } from '../lib/checksum.ts';
import type { MysqlRun } from '../lib/dialect/mariadb/progress.ts';
import { markNow, tableMark } from '../lib/dialect/mariadb/table-mark.ts';
import { onMariadb } from './helpers/each-dialect.ts';
import type { AnyDialectName, TestDatabase } from './helpers/databases.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

const runOn =
  (db: TestDatabase<AnyDialectName>): MysqlRun =>
  async (sql, params) => ({ rows: await db.query(sql, params), affected: 0 });

onMariadb('tableMark: one table that a statement makes appear or disappear, else the fingerprint', async (t, db) => {
  const run = runOn(db);
  t.equal(await tableMark('create table t_a (id int primary key)', run), '+t_a');
  t.equal(await tableMark(' CREATE TABLE IF NOT EXISTS `t a``b`(id int)', run), '+t a`b', 'backquoted, `` unescaped');
  t.equal(await tableMark('create table t_a like t_b', run), '+t_a');
  await db.query('create table t_a (id int primary key)');
  t.equal(await tableMark('create table t_a (id int primary key)', run), undefined, 'already there: it cannot appear');
  t.equal(await tableMark('create table T_A (id int primary key)', run), undefined, 'there in another letter case');
  t.equal(await tableMark('drop table t_a', run), '-t_a');
  t.equal(await tableMark('drop table if exists `t_a`;', run), '-t_a');
  t.equal(await tableMark('drop table T_A', run), undefined, 'not under exactly that name');
  t.equal(await tableMark('drop table t_none', run), undefined, 'absent: it cannot disappear');
  for (const sql of [
    'drop table t_a, t_b',
    'alter table t_a add column x int',
    'create index i on t_a (id)',
    `create table ${db.location.split('/').pop()}.t_c (id int)`,
    'create temporary table t_c (id int)',
    'create or replace table t_a (id int)',
    'create /* c */ table t_c (id int)',
    'create table t_c (id int); alter table t_a add column y int',
    `create table t_${'x'.repeat(64)} (id int)`,
  ])
    t.equal(await tableMark(sql, run), undefined, sql);
});

onMariadb('markNow: a table mark reads the same while the table is as before, else not', async (t, db) => {
  const run = runOn(db);
  t.equal(await markNow('+t_a', run), '+t_a', 'not created: unchanged');
  await db.query('create table t_a (id int primary key)');
  t.not(await markNow('+t_a', run), '+t_a', 'created: changed');
  t.equal(await markNow('-t_a', run), '-t_a', 'not dropped: unchanged');
  await db.query('drop table t_a');
  t.not(await markNow('-t_a', run), '-t_a', 'dropped: changed');
});

for (const tookEffect of [true, false]) {
  onMariadb(
    `a revision cut inside its CREATE TABLE resumes ${tookEffect ? 'after it (the table is there)' : 'with it (the table is not)'}`,
    async (t, db) => {
      const base = defineRevision({ id: 'rev0001', parents: [], async up() {} });
      const cut = defineRevision({
        id: 'rev0002',
        parents: ['rev0001'],
        async up({ sql }) {
          await sql('create table t_x (id int primary key)');
          await sql('insert into t_x values (1)');
        },
      });
      const orm = await db.orm();
      const logger = memoryLogger().logger;
      await new Migrator({ orm, revisions: [base], logger }).upgrade();
      // What a kill inside the CREATE TABLE leaves: its mark, attempting 1, completed 0.
      await db.query(
        'insert into upshift_revisions_progress (id, checksum, completed, attempting, schema_before, total, resumable, started_at, started_by) values (?, ?, 0, 1, ?, 0, 1, ?, ?)',
        ['rev0002', `up:${checksumOf(cut)}`, '+t_x', new Date().toISOString(), 'test'],
      );
      if (tookEffect) await db.query('create table t_x (id int primary key)');
      t.same((await new Migrator({ orm, revisions: [base, cut], logger }).upgrade()).applied, ['rev0002']);
      await orm.close(true);
      t.same(await db.query('select id from t_x'), [{ id: 1 }], 'the table once, its row once');
      t.same(await db.query('select * from upshift_revisions_progress'), [], 'no progress row left');
    },
  );
}
