import { type Ddl, nameKey, NAME, typeOf } from './sql.ts';

/**
 * What the lint knows of the schema the revisions before the current statement built: column
 * types (for column-type-rewrite) and `CHECK (col IS NOT NULL)` constraints with whether they are
 * validated (for set-not-null-without-check), plus the tables the current revision created, which
 * are new and empty: no rule applies to them.
 */
export class LintState {
  readonly columns = new Map<string, Map<string, string>>();
  /** table → constraint name → the column it proves NOT NULL, and whether it is validated. */
  readonly notNullChecks = new Map<string, Map<string, { column: string; validated: boolean }>>();
  /** Tables created by the revision being linted. */
  created = new Set<string>();

  /** A copy to lint against without changing this one. */
  clone(): LintState {
    const copy = new LintState();
    for (const [t, columns] of this.columns) copy.columns.set(t, new Map(columns));
    for (const [t, checks] of this.notNullChecks)
      copy.notNullChecks.set(t, new Map([...checks].map(([n, c]) => [n, { ...c }])));
    copy.created = new Set(this.created);
    return copy;
  }

  startRevision(): void {
    this.created = new Set();
  }

  existing(table: string): boolean {
    return !this.created.has(table);
  }

  hasValidatedCheck(table: string, column: string): boolean {
    for (const check of this.notNullChecks.get(table)?.values() ?? [])
      if (check.column === column && check.validated) return true;
    return false;
  }

  columnType(table: string, column: string): string | undefined {
    return this.columns.get(table)?.get(column);
  }

  /** Records what a statement did, after the rules looked at it. */
  apply(ddl: Ddl): void {
    if (ddl.kind === 'create-table') {
      this.created.add(ddl.table);
      this.columns.set(ddl.table, ddl.columns);
      this.notNullChecks.delete(ddl.table);
    } else if (ddl.kind === 'drop-table') {
      for (const table of ddl.tables) this.forget(table);
    } else if (ddl.kind === 'alter-table') {
      for (const action of ddl.actions) this.alter(ddl.table, action);
    }
  }

  private alter(table: string, action: Extract<Ddl, { kind: 'alter-table' }>['actions'][number]): void {
    const columns = this.columns.get(table) ?? new Map<string, string>();
    this.columns.set(table, columns);
    const checks = this.notNullChecks.get(table) ?? new Map<string, { column: string; validated: boolean }>();
    this.notNullChecks.set(table, checks);
    switch (action.kind) {
      case 'add-column':
        columns.set(action.column, typeOf(action.definition));
        break;
      case 'alter-type':
        columns.set(action.column, action.type);
        break;
      case 'drop-column':
        columns.delete(action.column);
        break;
      case 'rename-column': {
        const type = columns.get(action.column);
        columns.delete(action.column);
        if (type !== undefined) columns.set(action.to, type);
        for (const check of checks.values()) if (check.column === action.column) check.column = action.to;
        break;
      }
      case 'rename-table': {
        const to = table.includes('.') ? `${table.slice(0, table.lastIndexOf('.'))}.${action.to}` : action.to;
        this.columns.set(to, columns);
        this.notNullChecks.set(to, checks);
        if (this.created.has(table)) this.created.add(to);
        this.forget(table);
        break;
      }
      case 'add-constraint': {
        const column = action.type === 'check' ? notNullColumn(action.body) : undefined;
        if (action.name && column) checks.set(action.name, { column, validated: !action.notValid });
        break;
      }
      case 'validate-constraint': {
        const check = checks.get(action.name);
        if (check) check.validated = true;
        break;
      }
      case 'drop-constraint':
        checks.delete(action.name);
        break;
    }
  }

  private forget(table: string): void {
    this.columns.delete(table);
    this.notNullChecks.delete(table);
    this.created.delete(table);
  }
}

const NOT_NULL_CHECK = new RegExp(String.raw`^check ?\( ?\(? ?(${NAME}) is not null ?\)? ?\)$`, 'i');

/** `check ("c" is not null)` → `c`; any other check → undefined. */
export function notNullColumn(body: string): string | undefined {
  const m = NOT_NULL_CHECK.exec(body);
  return m ? nameKey(m[1]!) : undefined;
}
