import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import {
  DatabaseSchema,
  type AbstractSqlConnection,
  type AbstractSqlPlatform,
  type Column,
  type DatabaseTable,
  type SqlSchemaGenerator,
} from '@mikro-orm/sql';
import type { AnyDialectName, TestDatabase as AnyTestDatabase } from '../../helpers/databases.ts';

type TestDatabase = AnyTestDatabase<AnyDialectName>;

/**
 * Rows in every table of a real database, whatever the entities: generated from the schema as
 * MikroORM reads it (columns, primary keys, foreign keys, enum values), so that each evolution
 * step runs on a database that holds rows everywhere, references between them included.
 */

const UPSHIFT = new Set(['upshift_revisions', 'upshift_revisions_state', 'upshift_revisions_progress']);
const ROWS = 3;

/** The app's tables as MikroORM reads them from the real database (upshift's left out). */
export async function databaseSchema(orm: MikroORM): Promise<DatabaseTable[]> {
  const namespaces = (orm.schema as unknown as SqlSchemaGenerator).getTargetSchema().getNamespaces();
  const schema = await DatabaseSchema.create(
    orm.em.getConnection() as unknown as AbstractSqlConnection,
    orm.em.getPlatform() as unknown as AbstractSqlPlatform,
    orm.config as never,
    undefined,
    namespaces,
    undefined,
    [...UPSHIFT],
  );
  return schema.getTables().filter((t) => !UPSHIFT.has(t.name));
}

export function nameOf(db: TestDatabase, table: DatabaseTable): string {
  const q = (s: string) => (db.dialect === 'postgresql' ? `"${s}"` : `\`${s}\``);
  return db.dialect === 'postgresql' && table.schema && table.schema !== 'public'
    ? `${q(table.schema)}.${q(table.name)}`
    : q(table.name);
}

function quote(db: TestDatabase, column: string): string {
  return db.dialect === 'postgresql' ? `"${column}"` : `\`${column}\``;
}

function keyOf(table: DatabaseTable): string {
  return table.schema && table.schema !== 'public' ? `${table.schema}.${table.name}` : table.name;
}

/** What must survive a step: the row count of each table and the foreign key values, per referenced table. */
export interface RowFacts {
  counts: Record<string, number>;
  /** `table -> referenced table`: every row's foreign key values to it, sorted. */
  references: Record<string, string[]>;
}

export async function rowFacts(db: TestDatabase, orm: MikroORM): Promise<RowFacts> {
  const facts: RowFacts = { counts: {}, references: {} };
  for (const table of await databaseSchema(orm)) {
    const name = nameOf(db, table);
    const [row] = await db.query<{ n: number | string }>(`select count(*) as n from ${name}`);
    facts.counts[keyOf(table)] = Number(row!.n);
    const byParent = new Map<string, string[]>();
    for (const fk of Object.values(table.getForeignKeys())) {
      const values = await db.query<Record<string, unknown>>(
        `select ${fk.columnNames.map((c) => quote(db, c)).join(', ')} from ${name}`,
      );
      const parent = fk.referencedTableName.replace(/^public\./, '');
      byParent.set(parent, [
        ...(byParent.get(parent) ?? []),
        ...values.map((v) => JSON.stringify(fk.columnNames.map((c) => (v[c] === null ? null : String(v[c]))))),
      ]);
    }
    for (const [parent, values] of byParent) facts.references[`${keyOf(table)} -> ${parent}`] = values.sort();
  }
  return facts;
}

/**
 * Fills every empty table with rows, parents before children, and points every foreign key
 * column that holds only NULLs at rows of its table's parent: so nullable references are there
 * to lose, too.
 */
export async function seed(db: TestDatabase, orm: MikroORM): Promise<void> {
  const tables = await databaseSchema(orm);
  const byKey = new Map(tables.map((t) => [keyOf(t), t]));
  const empty = new Set<string>();
  for (const table of tables) {
    const [row] = await db.query<{ n: number | string }>(`select count(*) as n from ${nameOf(db, table)}`);
    if (Number(row!.n) === 0) empty.add(keyOf(table));
  }
  // Parents first: a table waits for the empty tables its NOT NULL foreign keys reference.
  const done = new Set<string>();
  const order: DatabaseTable[] = [];
  while (order.length < empty.size) {
    const before = order.length;
    for (const key of empty) {
      if (done.has(key)) continue;
      const table = byKey.get(key)!;
      const waits = Object.values(table.getForeignKeys()).some((fk) => {
        const parent = fk.referencedTableName.replace(/^public\./, '');
        return (
          parent !== key &&
          empty.has(parent) &&
          !done.has(parent) &&
          fk.columnNames.some((c) => !table.getColumn(c)?.nullable)
        );
      });
      if (waits) continue;
      done.add(key);
      order.push(table);
    }
    if (order.length === before)
      throw new Error(
        `seed: NOT NULL foreign keys form a cycle among ${[...empty].filter((k) => !done.has(k)).join(', ')}`,
      );
  }
  for (const table of order) await insertRows(db, table);
  for (const table of tables) await fillNullReferences(db, table);
}

async function insertRows(db: TestDatabase, table: DatabaseTable): Promise<void> {
  const columns = table.getColumns().filter((c) => !c.generated);
  const fkOf = new Map<string, { fk: ReturnType<DatabaseTable['getForeignKeys']>[string]; index: number }>();
  for (const fk of Object.values(table.getForeignKeys()))
    fk.columnNames.forEach((c, index) => {
      fkOf.set(c, { fk, index });
    });
  const parents = new Map<string, Record<string, unknown>[]>();
  for (const { fk } of fkOf.values()) {
    if (parents.has(fk.constraintName)) continue;
    const self = fk.referencedTableName.replace(/^public\./, '') === keyOf(table);
    const required = fk.columnNames.some((c) => !table.getColumn(c)?.nullable);
    // Nullable and self references are filled afterwards (fillNullReferences).
    if (self || !required) {
      parents.set(fk.constraintName, []);
      continue;
    }
    parents.set(fk.constraintName, await parentRows(db, fk.referencedTableName, fk.referencedColumnNames));
  }
  for (let i = 1; i <= ROWS; i++) {
    const values = columns.map((column) => {
      const ref = fkOf.get(column.name);
      if (ref) {
        const rows = parents.get(ref.fk.constraintName)!;
        if (rows.length === 0) return null;
        return rows[(i - 1) % rows.length]![ref.fk.referencedColumnNames[ref.index]!];
      }
      return valueFor(db, column, i);
    });
    await db.query(
      `insert into ${nameOf(db, table)} (${columns.map((c) => quote(db, c.name)).join(', ')}) values (${columns.map((_, k) => (db.dialect === 'postgresql' ? `$${k + 1}` : '?')).join(', ')})`,
      values,
    );
  }
}

async function parentRows(db: TestDatabase, referenced: string, columns: string[]): Promise<Record<string, unknown>[]> {
  const [schema, table] = referenced.includes('.') ? referenced.split('.') : [undefined, referenced];
  const name =
    db.dialect === 'postgresql' && schema && schema !== 'public' ? `"${schema}"."${table}"` : quote(db, table!);
  return db.query(
    `select ${columns.map((c) => quote(db, c)).join(', ')} from ${name} order by ${columns.map((c) => quote(db, c)).join(', ')}`,
  );
}

/** Points foreign key columns that hold only NULLs at the parent's rows, row j at parent row j. */
async function fillNullReferences(db: TestDatabase, table: DatabaseTable): Promise<void> {
  const pk = table.getPrimaryKey()?.columnNames;
  if (!pk?.length) return;
  const name = nameOf(db, table);
  for (const fk of Object.values(table.getForeignKeys())) {
    if (fk.columnNames.some((c) => !table.getColumn(c)?.nullable)) continue;
    const [set] = await db.query<{ n: number | string }>(
      `select count(*) as n from ${name} where ${fk.columnNames.map((c) => `${quote(db, c)} is not null`).join(' and ')}`,
    );
    if (Number(set!.n) > 0) continue;
    const parents = await parentRows(db, fk.referencedTableName, fk.referencedColumnNames);
    if (parents.length === 0) continue;
    const rows = await db.query<Record<string, unknown>>(
      `select ${pk.map((c) => quote(db, c)).join(', ')} from ${name} order by ${pk.map((c) => quote(db, c)).join(', ')}`,
    );
    const self = fk.referencedTableName.replace(/^public\./, '') === keyOf(table);
    for (const [j, row] of rows.entries()) {
      // A self reference points at the next row, a 1:1 (unique) one at a row of its own.
      const parent = parents[(self ? j + 1 : j) % parents.length]!;
      if (j >= parents.length && isUnique(table, fk.columnNames)) break;
      const params = [...fk.referencedColumnNames.map((c) => parent[c]), ...pk.map((c) => row[c])];
      const p = (k: number) => (db.dialect === 'postgresql' ? `$${k}` : '?');
      await db.query(
        `update ${name} set ${fk.columnNames.map((c, k) => `${quote(db, c)} = ${p(k + 1)}`).join(', ')} where ${pk.map((c, k) => `${quote(db, c)} = ${p(fk.columnNames.length + k + 1)}`).join(' and ')}`,
        params,
      );
    }
  }
}

function isUnique(table: DatabaseTable, columns: string[]): boolean {
  return table.getIndexes().some((i) => (i.unique || i.primary) && i.columnNames.join() === columns.join());
}

/** A value for row `i` (1-based) that the column's type, length and enum accept, distinct per row. */
export function valueFor(db: TestDatabase, column: Column, i: number): unknown {
  const type = column.type.toLowerCase();
  const items = column.enumItems;
  if (type.endsWith('[]'))
    return db.dialect === 'postgresql'
      ? `{${items?.length ? items[i % items.length] : /int|numeric|double|float|real/.test(type) ? i : `a${i}`}}`
      : `a${i}`;
  if (items?.length) {
    const item = items[(i - 1) % items.length]!;
    return /int/.test(type) ? Number(item) : item;
  }
  if (/uuid/.test(type))
    return db.dialect === 'postgresql' ? randomUUID() : `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  if (/bool/.test(type)) return db.dialect === 'postgresql' ? i % 2 === 0 : i % 2;
  if (/int|serial/.test(type)) return i;
  if (/numeric|decimal|double|float|real/.test(type)) return i + 0.5;
  if (/json/.test(type)) return JSON.stringify({ n: i });
  if (/bytea|blob/.test(type)) return Buffer.from([i]);
  if (/timestamp|datetime/.test(type)) return `2024-01-0${i} 10:00:00`;
  if (/^date/.test(type)) return `2024-01-0${i}`;
  if (/^time/.test(type)) return `10:00:0${i}`;
  const text = `v${i}`;
  return column.length && column.length < text.length ? text.slice(0, column.length) : text;
}
