import { DatabaseSchema, SchemaComparator, type AbstractSqlConnection, type AbstractSqlPlatform, type SqlSchemaGenerator } from '@mikro-orm/sql';
import type { MikroORM } from '@mikro-orm/core';
import { SHADOW_UPSHIFT_TABLES, type Shadow } from './shadow.ts';
import { rewriteSqliteRebuilds, splitStatements } from './sql-split.ts';
import { dataLossOf } from './data-loss.ts';

/** One statement of a generated revision; `dataLoss` says what it destroys, when it does. */
export interface Statement {
  sql: string;
  dataLoss?: string | undefined;
}

export interface SchemaDiff {
  up: Statement[];
  down: Statement[];
}

/**
 * Diffs the entities against the schema in the shadow database: `up` takes the shadow to the
 * entities, `down` takes it back. Everything runs against the shadow ORM (same entities, same
 * driver): the app's ORM is not used here at all.
 */
export async function diffSchema(shadow: Shadow): Promise<SchemaDiff> {
  const toSchema = generatorOf(shadow.orm).getTargetSchema();
  const { up, down } = await migrationSql(shadow);
  const fromForLoss = await readSchema(shadow);
  return {
    up: annotate(statementsOf(up, shadow), fromForLoss, toSchema),
    down: annotate(statementsOf(down, shadow), toSchema, fromForLoss),
  };
}

/**
 * The statements that would take the shadow to the entities, without down or data-loss notes:
 * what check() needs to know whether the revisions and the entities agree, from one schema read.
 */
export async function schemaDrift(shadow: Shadow): Promise<string[]> {
  return statementsOf((await migrationSql(shadow)).up, shadow);
}

/** MikroORM's SQL from the shadow's schema (read once) to the entities', and back. */
async function migrationSql(shadow: Shadow): Promise<{ up: string; down: string }> {
  const fromSchema = await readSchema(shadow);
  return generatorOf(shadow.orm).getUpdateSchemaMigrationSQL({ wrap: false, safe: false, dropTables: true, fromSchema });
}

/** The schema in the shadow database, without upshift's tables and what the app skips. */
export async function readSchema(shadow: Shadow): Promise<DatabaseSchema> {
  const orm = shadow.orm;
  const options = orm.config.get('schemaGenerator') ?? {};
  const skipTables = [...(options.skipTables ?? []), ...SHADOW_UPSHIFT_TABLES];
  const namespaces = generatorOf(orm).getTargetSchema().getNamespaces();
  return DatabaseSchema.create(
    orm.em.getConnection() as unknown as AbstractSqlConnection,
    orm.em.getPlatform() as unknown as AbstractSqlPlatform,
    orm.config as never,
    undefined,
    namespaces,
    undefined,
    skipTables,
    options.skipViews,
  );
}

/** The statements that would take schema `from` to schema `to` (empty when they match). */
export function compareSchemas(orm: MikroORM, from: DatabaseSchema, to: DatabaseSchema): string[] {
  const comparator = new SchemaComparator(orm.em.getPlatform() as unknown as AbstractSqlPlatform);
  const diff = comparator.compare(from, to);
  return splitStatements(generatorOf(orm).diffToSQL(diff, { wrap: false, safe: false, dropTables: true }));
}

function generatorOf(orm: MikroORM): SqlSchemaGenerator {
  return orm.schema as unknown as SqlSchemaGenerator;
}

function statementsOf(sql: string, shadow: Shadow): string[] {
  const statements = splitStatements(sql);
  return shadow.dialect === 'sqlite' ? rewriteSqliteRebuilds(statements) : statements;
}

function annotate(statements: string[], from: DatabaseSchema, to: DatabaseSchema): Statement[] {
  return statements.map((sql) => ({ sql, dataLoss: dataLossOf(sql, statements, from, to) }));
}
