// check() tests each revision's round trip with a cheap schema fingerprint and lets MikroORM's
// exact comparison decide whenever a fingerprint differs. These tests pin both halves: a
// difference the fingerprint sees is reported precisely, and a fingerprint that differs where the
// schemas do not (SQLite keeps DDL text) does not fail the check.
import { defineEntity, p } from '@mikro-orm/core';
import { defineRevision } from 'upshift';
import { check, RoundTripError } from 'upshift/dev';
import { quotedFor } from '../helpers/schema.ts';
import { eachDatabase } from '../helpers/each-dialect.ts';

const Note = defineEntity({
  name: 'Note',
  tableName: 'note',
  properties: { id: p.integer().primary(), body: p.string(), stamp: p.string().nullable().index() },
});

const createNote = defineRevision({
  id: 'note_0001',
  parents: [],
  message: 'create note',
  async up({ sql, dialect }) {
    const text = dialect === 'sqlite' ? 'text' : 'varchar(255)';
    const id = {
      postgresql: 'serial primary key',
      sqlite: 'integer not null primary key autoincrement',
      mariadb: 'int unsigned not null auto_increment primary key',
    }[dialect];
    await sql(quotedFor(dialect, `create table "note" ("id" ${id}, "body" ${text} not null)`));
  },
  async down({ sql, dialect }) {
    await sql(quotedFor(dialect, 'drop table "note"'));
  },
});

function addStamp(down: (sql: (text: string) => Promise<unknown>, dialect: string) => Promise<void>) {
  return defineRevision({
    id: 'note_0002',
    parents: ['note_0001'],
    message: 'add stamp with an index',
    async up({ sql, dialect }) {
      await sql(
        quotedFor(
          dialect,
          `alter table "note" add column "stamp" ${dialect === 'sqlite' ? 'text' : 'varchar(255)'} null`,
        ),
      );
      await sql(quotedFor(dialect, 'create index "note_stamp_index" on "note" ("stamp")'));
    },
    async down({ sql, dialect }) {
      await down((text) => sql(quotedFor(dialect, text)), dialect);
    },
  });
}

eachDatabase('check() names a revision whose down() leaves an index behind', async (t, db) => {
  const orm = await db.orm([Note]);
  const leaky = addStamp(async (sql, dialect) => {
    // Drops the column but "forgets" the index: only possible where dropping the column keeps it.
    if (dialect !== 'sqlite') await sql('alter table "note" drop column "stamp"');
    else await sql('drop index "note_stamp_index"');
    await sql('create index "note_body_index" on "note" ("body")');
  });
  const error = await check({ orm, revisions: [createNote, leaky] }).catch((e: unknown) => e);
  t.type(error, RoundTripError);
  t.match(error, { revisionId: 'note_0002', step: 'down' });
  t.match(
    (error as RoundTripError).statements.join('\n'),
    /note_body_index/,
    'with the statement that would restore the schema',
  );
});

eachDatabase('check() passes a down() that restores the same schema with different DDL text', async (t, db) => {
  const orm = await db.orm([Note]);
  const rebuilding = addStamp(async (sql, dialect) => {
    if (dialect !== 'sqlite') {
      await sql('alter table "note" drop column "stamp"');
      return;
    }
    // SQLite: a hand-written rebuild. The table comes back equal, but its stored DDL is spelled
    // differently, so the fingerprint differs and the exact comparison has to decide.
    await sql('create table "note_new" ( "id"  INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT ,  "body" TEXT NOT NULL )');
    await sql('insert into "note_new" ("id", "body") select "id", "body" from "note"');
    await sql('drop table "note"');
    await sql('alter table "note_new" rename to "note"');
  });
  const result = await check({ orm, revisions: [createNote, rebuilding] });
  t.equal(result.revisions, 2);
  t.same(result.irreversible, []);
});

/**
 * A revision whose up() builds something else each time it runs (table flaky_a on odd calls,
 * flaky_b on even ones), and whose down() removes either: down() restores the schema, but up()
 * applied again does not rebuild the same one.
 */
function flaky(id: string, parent: string) {
  let calls = 0;
  return defineRevision({
    id,
    parents: [parent],
    message: 'not the same twice',
    async up({ sql, dialect }) {
      calls += 1;
      await sql(
        quotedFor(dialect, `create table "flaky_${calls % 2 === 1 ? 'a' : 'b'}" ("id" integer not null primary key)`),
      );
    },
    async down({ sql, dialect }) {
      await sql(quotedFor(dialect, 'drop table if exists "flaky_a"'));
      await sql(quotedFor(dialect, 'drop table if exists "flaky_b"'));
    },
  });
}

const after = (id: string, parent: string, reversible: boolean) =>
  defineRevision({
    id,
    parents: [parent],
    message: 'a revision after the flaky one',
    async up({ sql, dialect }) {
      await sql(quotedFor(dialect, `create table "${id}" ("id" integer not null primary key)`));
    },
    ...(reversible
      ? {
          async down({ sql, dialect }: { sql: (text: string) => Promise<unknown>; dialect: string }) {
            await sql(quotedFor(dialect, `drop table "${id}"`));
          },
        }
      : {}),
  });

for (const [where, next] of [
  ['last', undefined],
  ['followed by a reversible revision', true],
  ['followed by an irreversible revision', false],
] as const) {
  eachDatabase(`check() names a revision whose up() applied again builds another schema (${where})`, async (t, db) => {
    const orm = await db.orm([]);
    const revisions = [
      createNote,
      flaky('flaky_0002', 'note_0001'),
      ...(next === undefined ? [] : [after('next_0003', 'flaky_0002', next)]),
    ];
    const error = await check({ orm, revisions }).catch((e: unknown) => e);
    t.type(error, RoundTripError);
    t.match(error, { revisionId: 'flaky_0002', step: 'up-again' });
  });
}
