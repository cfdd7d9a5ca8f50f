import { UpshiftError } from './base.ts';

/**
 * A first boot found some of the tables the baseline revision describes, but not exactly them:
 * recording the baseline would claim a schema the database does not have, and running it would
 * fail on the tables that exist. Nothing is recorded or run.
 */
export class BaselineMismatchError extends UpshiftError {
  readonly baseline: string;
  readonly missingTables: string[];
  readonly missingColumns: string[];
  constructor(baseline: string, missingTables: string[], missingColumns: string[]) {
    super(
      'UPSHIFT_BASELINE_MISMATCH',
      `The database has some of the tables of the baseline revision ${baseline} but lacks ${[...missingTables.map((t) => `table ${t}`), ...missingColumns.map((c) => `column ${c}`)].join(', ')}, ` +
        'so it cannot be recorded as applied. Bring the schema in line with the entities the baseline was generated from (or generate the baseline from entities matching this database), then boot again.',
    );
    this.baseline = baseline;
    this.missingTables = missingTables;
    this.missingColumns = missingColumns;
  }
}
