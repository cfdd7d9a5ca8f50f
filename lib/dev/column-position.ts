import type { DatabaseSchema } from '@mikro-orm/sql';
import { quoteMysqlIdentifier } from '../dialect/mariadb/ddl.ts';

/**
 * MariaDB/MySQL add a column at the end of its table unless ALTER TABLE says AFTER another column
 * or FIRST, and MikroORM says neither. So a down() that adds back a column its up() dropped would
 * leave it last: the schema down() restores would differ from the one before up() in its column
 * order, which `select *`, positional inserts and any tool that reads columns in order see.
 *
 * `placeAddedColumns` gives each `add \`column\`` clause of the statements the place the column
 * holds in `restored` (the schema the statements restore): AFTER the column before it there, or
 * FIRST. MikroORM lists the columns it adds to a table in that table's order, so a column placed
 * after another added by the same statement comes after its clause. Other clauses and statements
 * are left as they are; so is a clause that places its column already.
 */
export function placeAddedColumns(statements: readonly string[], restored: DatabaseSchema): string[] {
  const orders = new Map(restored.getTables().map((t) => [t.name, t.getColumns().map((c) => c.name)]));
  return statements.map((statement) => {
    const match = /^(alter table (?:`(?:[^`]|``)+`\.)?`((?:[^`]|``)+)` )([\s\S]+)$/i.exec(statement);
    const order = match && orders.get(unquote(match[2]!));
    if (!order) return statement;
    const clauses = topLevelClauses(match![3]!).map((clause) => {
      const added = /^add (?:column )?`((?:[^`]|``)+)` /i.exec(clause);
      if (!added || /\s(after\s+`(?:[^`]|``)+`|first)$/i.test(clause)) return clause;
      const at = order.indexOf(unquote(added[1]!));
      if (at < 0) return clause;
      return at === 0 ? `${clause} first` : `${clause} after ${quoteMysqlIdentifier(order[at - 1]!)}`;
    });
    return match![1]! + clauses.join(', ');
  });
}

/** The clauses of an ALTER TABLE, split at the commas outside quotes, backticks and parentheses. */
function topLevelClauses(text: string): string[] {
  const clauses: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      clauses.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  clauses.push(text.slice(start).trim());
  return clauses;
}

function unquote(name: string): string {
  return name.replaceAll('``', '`');
}
