import {
  DatabaseSchema,
  SchemaComparator,
  type AbstractSqlConnection,
  type AbstractSqlPlatform,
  type SchemaDifference,
  type SqlSchemaGenerator,
} from '@mikro-orm/sql';
import type { MikroORM } from '@mikro-orm/core';
import { SHADOW_UPSHIFT_TABLES, type Shadow } from './shadow.ts';
import { splitStatements } from './sql-split.ts';

/**
 * MikroORM's schema machinery, as upshift/dev uses it: read the shadow's schema, build the
 * entities' schema, compare two schemas both ways, and turn a comparison into statements. The
 * same steps as MikroORM's getUpdateSchemaMigrationSQL, taken one by one so that a comparison can
 * be filtered (see convergence.ts) and a schema read serves more than one comparison.
 */

/** One statement of a generated revision, with what review must know about it. */
export interface Statement {
  sql: string;
  /** What it destroys, when it does. */
  dataLoss?: string | undefined;
  /** Why it may fail on a database that holds rows, and the fix (one line each). */
  warnings?: string[] | undefined;
  /** PostgreSQL: what the lint finds dangerous on a busy database, with the safe recipe (lint/). */
  lint?: readonly { rule: string; message: string }[] | undefined;
}

/** MikroORM's comparison from one schema to another (`up`) and back (`down`). */
export interface Comparison {
  up: SchemaDifference;
  down: SchemaDifference;
}

/**
 * The schema in the shadow database, without upshift's tables and what the app skips, in the
 * schemas the entities use (`target`, when the caller has built it already: building it again
 * costs as much as reading the database's schema, with many entities).
 */
export async function readSchema(shadow: Shadow, target?: DatabaseSchema): Promise<DatabaseSchema> {
  const orm = shadow.orm;
  const options = orm.config.get('schemaGenerator') ?? {};
  const skipTables = [...(options.skipTables ?? []), ...SHADOW_UPSHIFT_TABLES];
  const namespaces = (target ?? generatorOf(orm).getTargetSchema()).getNamespaces();
  const schema = await DatabaseSchema.create(
    orm.em.getConnection() as unknown as AbstractSqlConnection,
    orm.em.getPlatform() as unknown as AbstractSqlPlatform,
    orm.config as never,
    undefined,
    namespaces,
    undefined,
    skipTables,
    options.skipViews,
  );
  schema.prune(undefined, wildcardTables(orm));
  return schema;
}

/** The schema the entities describe. */
export function targetSchema(orm: MikroORM): DatabaseSchema {
  const schema = generatorOf(orm).getTargetSchema();
  schema.prune(undefined, wildcardTables(orm));
  return schema;
}

/** MikroORM's comparison of `from` with `to`, and of `to` with `from` for the way back. */
export function compare(orm: MikroORM, from: DatabaseSchema, to: DatabaseSchema): Comparison {
  const comparator = new SchemaComparator(orm.em.getPlatform() as unknown as AbstractSqlPlatform);
  const up = comparator.compare(from, to);
  const down = comparator.compare(to, from, up);
  return { up, down };
}

/**
 * The statements MikroORM writes for a comparison, one per entry (empty when nothing differs).
 * Render a comparison once: MikroORM's SQLite helper moves each column's CHECK into the CREATE
 * TABLE it writes by removing it from the table, so the schemas compared come out changed.
 */
export function statementsOf(orm: MikroORM, difference: SchemaDifference): string[] {
  return splitStatements(generatorOf(orm).diffToSQL(difference, { wrap: false, safe: false, dropTables: true }));
}

/** The statements that would take schema `from` to schema `to` (empty when they match). */
export function compareSchemas(orm: MikroORM, from: DatabaseSchema, to: DatabaseSchema): string[] {
  const comparator = new SchemaComparator(orm.em.getPlatform() as unknown as AbstractSqlPlatform);
  return statementsOf(orm, comparator.compare(from, to));
}

/** Tables and schemas that a comparison creates, changes or drops, by MikroORM's name for them. */
export function tablesOf(difference: SchemaDifference): string[] {
  return [
    ...Object.keys(difference.newTables),
    ...Object.keys(difference.changedTables),
    ...Object.keys(difference.removedTables),
  ];
}

/** `difference` without the changes it makes to `tables` (a shallow copy; the input is not changed). */
export function withoutChangedTables(difference: SchemaDifference, tables: ReadonlySet<string>): SchemaDifference {
  const changedTables = Object.fromEntries(
    Object.entries(difference.changedTables).filter(([name]) => !tables.has(name)),
  );
  return { ...difference, changedTables };
}

/**
 * For each table, the tables whose foreign keys reference it (itself included, for a
 * self-reference), over every schema given: what the SQLite rewrite needs to know which
 * rebuilds and drops must run with foreign keys off. Names without their schema (SQLite has one).
 */
export function referencedBy(...schemas: DatabaseSchema[]): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const schema of schemas) {
    for (const table of schema.getTables()) {
      for (const fk of Object.values(table.getForeignKeys())) {
        const parent = bareName(fk.referencedTableName);
        let set = map.get(parent);
        if (!set) map.set(parent, (set = new Set()));
        set.add(table.name);
      }
    }
  }
  return map;
}

function bareName(name: string): string {
  return name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : name;
}

/** Entities in every schema ('*'): MikroORM leaves their tables out of a schema-less comparison. */
function wildcardTables(orm: MikroORM): string[] {
  return [...orm.getMetadata().getAll().values()].filter((meta) => meta.schema === '*').map((meta) => meta.tableName);
}

function generatorOf(orm: MikroORM): SqlSchemaGenerator {
  return orm.schema as unknown as SqlSchemaGenerator;
}
