import { UpshiftError } from './base.ts';

/**
 * The first boot against a database that @mikro-orm/migrations managed found migrations in its
 * table that the bundle does not hold as revisions: recording only the others would leave their
 * changes unaccounted for, so nothing is recorded and nothing runs.
 */
export class AdoptionError extends UpshiftError {
  readonly table: string;
  readonly unknown: string[];
  constructor(table: string, unknown: string[]) {
    super(
      'UPSHIFT_ADOPTION_UNKNOWN',
      `The database's ${table} table lists MikroORM migrations that the bundle has no revision for (${unknown.join(', ')}), so upshift cannot take over its history. ` +
        'Run importMikroOrmMigrations() from upshift/dev on the migrations folder that produced this database, bundle the revisions it writes, and deploy again.',
    );
    this.table = table;
    this.unknown = unknown;
  }
}

/** A MikroORM migration file that importMikroOrmMigrations() cannot turn into a revision. */
export class MigrationImportError extends UpshiftError {
  readonly file: string;
  constructor(file: string, problem: string, cause?: unknown) {
    super(
      'UPSHIFT_MIGRATION_IMPORT',
      `Cannot import the MikroORM migration ${file}: ${problem}`,
      cause === undefined ? undefined : { cause },
    );
    this.file = file;
  }
}
