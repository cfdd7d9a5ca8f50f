import { isCurrentFormat } from '../checksum.ts';
import { UpshiftError } from '../errors.ts';

/**
 * The errors of upshift/dev. Like the runtime's, each is an `UpshiftError` with a stable `code`,
 * a message that names the culprit and the fix, and fields that carry the same facts. Every one
 * of them is thrown before anything is written to the revisions folder.
 */

/** The entities and the schema that the revisions produce disagree. */
export class SchemaDriftError extends UpshiftError {
  /** The statements a new revision would need (up direction). */
  readonly statements: string[];
  constructor(statements: string[]) {
    super(
      'UPSHIFT_SCHEMA_DRIFT',
      `The entities and the revisions disagree: the schema the revisions build needs ${statements.length} statement(s) to match the entities:\n` +
        statements.map((s) => `  ${s}`).join('\n') +
        '\nGenerate a revision for them with revision() from upshift/dev (npm run db:revision -- -m "..."), or change the entities back.',
    );
    this.statements = statements;
  }
}

/** revision() or check() needs one head, but the bundle has branched. */
export class UnmergedHeadsError extends UpshiftError {
  readonly heads: string[];
  constructor(heads: string[], operation: string) {
    super(
      'UPSHIFT_UNMERGED_HEADS',
      `${operation}: the bundle has ${heads.length} heads (${heads.join(', ')}), so there is no single revision to build on. ` +
        'Merge them first with merge({ dir, message }) from upshift/dev, then try again.',
    );
    this.heads = heads;
  }
}

/** merge() was called but there is nothing to merge. */
export class NothingToMergeError extends UpshiftError {
  readonly heads: string[];
  constructor(heads: string[], reason: string) {
    super(
      'UPSHIFT_NOTHING_TO_MERGE',
      `merge(): ${reason} A merge revision joins two or more heads; there is nothing to do.`,
    );
    this.heads = heads;
  }
}

/** init() was pointed at a folder that already has files. */
export class DirectoryNotEmptyError extends UpshiftError {
  readonly dir: string;
  constructor(dir: string, entries: string[]) {
    super(
      'UPSHIFT_DIR_NOT_EMPTY',
      `init(): ${dir} is not empty (it holds ${entries.slice(0, 5).join(', ')}${entries.length > 5 ? ', ...' : ''}). ` +
        'init() only writes into a new or empty folder, so that it never overwrites revisions; choose another dir, or empty this one.',
    );
    this.dir = dir;
  }
}

/** The revisions folder or its index.ts is missing, not made by init(), or not loadable. */
export class BundleIndexError extends UpshiftError {
  readonly path: string;
  constructor(path: string, problem: string, cause?: unknown) {
    super('UPSHIFT_BUNDLE_INDEX', `${path}: ${problem}`, cause === undefined ? undefined : { cause });
    this.path = path;
  }
}

/** An argument of a upshift/dev function is missing or malformed. */
export class InvalidDevOptionError extends UpshiftError {
  readonly option: string;
  constructor(operation: string, option: string, problem: string) {
    super('UPSHIFT_INVALID_OPTION', `${operation}: "${option}" ${problem}`);
    this.option = option;
  }
}

/** A revision does not survive upgrade → downgrade → upgrade on the shadow database. */
export class RoundTripError extends UpshiftError {
  readonly revisionId: string;
  readonly step: 'up' | 'down' | 'up-again';
  /** Statements that would bring the schema back to where it should be, when the schema differs. */
  readonly statements: string[];
  constructor(
    revisionId: string,
    step: 'up' | 'down' | 'up-again',
    detail: string,
    statements: string[] = [],
    cause?: unknown,
  ) {
    super(
      'UPSHIFT_ROUND_TRIP',
      `Revision "${revisionId}" does not survive upgrade → downgrade → upgrade on the shadow database: ${detail}` +
        (statements.length ? `\n${statements.map((s) => `  ${s}`).join('\n')}` : '') +
        `\nFix the up() or down() of "${revisionId}" so that down() undoes exactly what up() does.`,
      cause === undefined ? undefined : { cause },
    );
    this.revisionId = revisionId;
    this.step = step;
    this.statements = statements;
  }
}

/** The shadow database could not be created (neither a temporary database nor a schema). */
export class ShadowDatabaseError extends UpshiftError {
  constructor(detail: string, cause?: unknown) {
    super(
      'UPSHIFT_SHADOW_DATABASE',
      `Could not create the shadow database that upshift/dev builds the revisions' schema in: ${detail}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** A declared revision's checksum (revisions/index.ts) is not its module's: the file was edited. */
export class StaleDeclarationError extends UpshiftError {
  readonly revisions: { id: string; declared: string; actual: string }[];
  constructor(operation: string, revisions: { id: string; declared: string; actual: string }[]) {
    const line = (r: { id: string; declared: string; actual: string }) =>
      `  ${r.id}: declared "${r.declared}", the module's is "${r.actual}"`;
    // A checksum of an older format is not an edit: this upshift hashes revisions differently.
    const outdated = revisions.filter((r) => !isCurrentFormat(r.declared));
    const edited = revisions.filter((r) => isCurrentFormat(r.declared));
    const parts: string[] = [];
    if (edited.length > 0) {
      parts.push(
        `${operation}: revisions/index.ts declares a checksum that is not its module's, so the module was edited after upshift wrote the entry:\n` +
          edited.map(line).join('\n') +
          "\nIf the revision has not been applied to any shared database yet, run sync({ dir }) from upshift/dev (your script's `sync` command) to rewrite the entry from the module, and commit index.ts. " +
          'If it has, undo the edit and add a new revision instead: databases that ran it keep the old checksum.',
      );
    }
    if (outdated.length > 0) {
      parts.push(
        `${operation}: revisions/index.ts declares checksums in an older format, which this version of upshift no longer computes (not an edit):\n` +
          outdated.map(line).join('\n') +
          "\nRun sync({ dir }) from upshift/dev (your script's `sync` command) to rewrite these entries, and commit index.ts.",
      );
    }
    super('UPSHIFT_STALE_DECLARATION', parts.join('\n'));
    this.revisions = revisions;
  }
}

/**
 * revision(): a statement MikroORM generated fails on the shadow database, so the revision would
 * fail wherever it runs. Nothing was written.
 */
export class GeneratedStatementError extends UpshiftError {
  readonly statement: string;
  /** `Entity.property` the failing column comes from, when upshift could tell. */
  readonly property: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;
  constructor(
    statement: string,
    reason: string,
    culprit: { table?: string | undefined; column?: string | undefined; property?: string | undefined },
    cause: unknown,
  ) {
    const where = culprit.property
      ? `It comes from ${culprit.property} (column "${culprit.table}"."${culprit.column}"): change that property's definition (its type, length or default) so that MikroORM writes SQL the database accepts, then run revision() again.`
      : culprit.table
        ? `It comes from table "${culprit.table}"${culprit.column ? `, column "${culprit.column}"` : ''}: change the entity property behind it so that MikroORM writes SQL the database accepts, then run revision() again.`
        : 'Change the entity definition it comes from so that MikroORM writes SQL the database accepts, then run revision() again.';
    super(
      'UPSHIFT_GENERATED_SQL_REJECTED',
      `revision(): MikroORM generated a statement that the database rejects, so no revision was written:\n  ${statement}\nThe database says: ${reason}\n${where}`,
      { cause },
    );
    this.statement = statement;
    this.property = culprit.property;
    this.table = culprit.table;
    this.column = culprit.column;
  }
}

/** The revision template lacks what a generated revision needs. Nothing was written. */
export class TemplateError extends UpshiftError {
  readonly template: string;
  constructor(template: string, problem: string) {
    super(
      'UPSHIFT_TEMPLATE',
      `${template}: ${problem} Compare it with upshift's revisions-template/revision.ts.template.`,
    );
    this.template = template;
  }
}

/**
 * A shadowDatabaseUrl that upshift/dev will not empty: the app's own database, or one whose
 * upshift version table holds rows (an app's database, not a shadow).
 */
export class ShadowDatabaseRefusedError extends UpshiftError {
  readonly url: string;

  constructor(url: string, reason: string) {
    super(
      'UPSHIFT_SHADOW_REFUSED',
      `shadowDatabaseUrl ${url} is refused: ${reason}. upshift/dev empties the shadow database before and after each use, so it must be a database of its own ` +
        '(on a managed server: a second, empty database created for development), never one that holds an app.',
    );
    this.url = url;
  }
}

/**
 * check({ lint: 'error' }): revisions send PostgreSQL DDL that blocks a busy table or breaks the
 * previous release during a rolling deploy. Lists every finding with its safe recipe.
 */
export class UnsafeDdlError extends UpshiftError {
  readonly findings: { revision?: string | undefined; rule: string; statement: string; message: string }[];
  constructor(findings: { revision?: string | undefined; rule: string; statement: string; message: string }[]) {
    super(
      'UPSHIFT_UNSAFE_DDL',
      `check(): ${findings.length} statement(s) of the revisions are unsafe on a busy PostgreSQL database:\n` +
        findings
          .map((f) => `  revision ${f.revision ?? '?'} [${f.rule}]: ${f.statement}\n    ${f.message}`)
          .join('\n') +
        '\nRewrite them as the recipe says (revision({ safe: true }) writes the recipes for new revisions), or, where the statement is safe here, ' +
        'silence it with a reason: "-- upshift-lint-ignore <rule>: <reason>" in the SQL, or "// upshift-lint-ignore <rule>: <reason>" on the line above its sql() call.',
    );
    this.findings = findings;
  }
}
