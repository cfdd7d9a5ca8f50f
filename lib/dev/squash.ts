import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Revision, RevisionContext } from '../revision.ts';
import { appendToIndex, loadBundle, resolveDir } from './bundle.ts';
import { BundleIndexError, InvalidDevOptionError } from './errors.ts';
import { loggerOf, readTemplate, requireMessage, requireNewId } from './revision.ts';
import { jsString, newRevisionId, renderRevision, slugOf } from './render.ts';

export interface SquashOptions {
  dir: string;
  /** The last revision to squash (id or unique prefix): everything from base up to it is. It must be the single head. */
  to: string;
  message: string;
  id?: string;
  logger?: Logger;
}

export interface SquashedRevision {
  id: string;
  /** The revisions it stands for, oldest first: taken out of index.ts, their files left to delete later. */
  replaces: string[];
  path: string;
}

const DIALECTS = ['postgresql', 'mariadb', 'sqlite'] as const;
const UP_MARK = '__upshift_squash_up__';
const DOWN_MARK = '__upshift_squash_down__';

/**
 * Writes one revision equivalent to the history from base up to `to` (Django's squashmigrations):
 * the SQL each revision's up() sends, in order (and every down() in reverse), captured per
 * dialect without a database, declared `replaces` those revisions. index.ts then lists the
 * squashed revision instead of them. At boot (squash.ts): a new database runs only the squashed
 * revision; a database with all the replaced ones recorded has their rows turned into its row,
 * running nothing; one with only some is SquashHalfwayError. Refused, before any write: a range
 * that is not the whole bundle up to its single head, revisions that use ctx.em, pass
 * parameters, run outside a transaction, or are squashes themselves.
 */
export async function squash(options: SquashOptions): Promise<SquashedRevision> {
  const operation = 'squash()';
  if (!options || typeof options !== 'object')
    throw new InvalidDevOptionError(operation, 'options', 'must be an object: { dir, to, message }.');
  const message = requireMessage(operation, options.message);
  const dir = resolveDir(operation, options.dir);
  const logger = loggerOf(options.logger);
  const bundle = await loadBundle(operation, dir);
  const graph = bundle.graph;
  if (typeof options.to !== 'string')
    throw new InvalidDevOptionError(operation, 'to', 'must be a revision id or a unique prefix of one.');
  let to: string;
  try {
    to = graph.resolveId(options.to);
  } catch (error) {
    throw new InvalidDevOptionError(operation, 'to', (error as Error).message);
  }
  const heads = graph.heads();
  if (heads.length !== 1 || heads[0] !== to) {
    throw new InvalidDevOptionError(
      operation,
      'to',
      `must be the bundle's single head (${heads.join(', ')}): squashing up to a revision that others build on, or a branched bundle, is not supported.`,
    );
  }
  const range = graph.order;
  for (const r of range) {
    const why = r.replaces
      ? 'is itself a squash'
      : !r.transaction
        ? 'runs outside a transaction (transaction: false)'
        : undefined;
    if (why)
      throw new InvalidDevOptionError(
        operation,
        'to',
        `the range includes ${r.id}, which ${why}; squash() cannot fold it in.`,
      );
  }
  const id = requireNewId(operation, options.id, graph) ?? newRevisionId();
  const up = await captureAll(range, 'up');
  const reversible = range.every((r) => r.down);
  const down = reversible ? await captureAll([...range].reverse(), 'down') : undefined;
  const template = readTemplate(dir);
  let source = renderRevision(
    template.text,
    {
      id,
      parents: [],
      message,
      createdAt: new Date().toISOString(),
      up: [{ sql: UP_MARK }],
      down: [{ sql: DOWN_MARK }],
      irreversible: reversible
        ? undefined
        : `it squashes ${range
            .filter((r) => !r.down)
            .map((r) => r.id)
            .join(', ')}, which had none`,
      foreignKeysOff: range.filter((r) => r.disableForeignKeys).map((r) => `${r.id} ran with foreign keys off`),
    },
    template.path,
  );
  source = fillBody(source, UP_MARK, 'up', up);
  if (down) source = fillBody(source, DOWN_MARK, 'down', down);
  source = source.replace(
    /^(\s*)parents: \[\],?\n/m,
    (line, indent: string) => `${line}${indent}replaces: [${range.map((r) => jsString(r.id)).join(', ')}],\n`,
  );
  const path = join(dir, `${id}_${slugOf(message)}.ts`);
  writeFileSync(path, source, { flag: 'wx' });
  await appendToIndex(bundle.indexPath, path);
  removeFromIndex(
    bundle.indexPath,
    range.map((r) => r.id),
  );
  logger.info(
    { revision: id, replaces: range.length, path },
    `squashed ${range.length} revisions into ${id} (${path}); delete their files once every database has upgraded past them`,
  );
  return { id, replaces: range.map((r) => r.id), path };
}

type Captured = Record<(typeof DIALECTS)[number], string[]>;

/** The statements each revision's up() or down() sends, per dialect, in order. */
async function captureAll(revisions: readonly Revision[], method: 'up' | 'down'): Promise<Captured> {
  const out: Captured = { postgresql: [], mariadb: [], sqlite: [] };
  for (const dialect of DIALECTS) {
    for (const r of revisions) {
      const ctx = {
        dialect,
        logger: loggerOf(undefined).child({ revision: r.id }, { level: 'silent' }),
        sql: async (text: string, params?: readonly unknown[]) => {
          if (params && params.length > 0) throw refusal(r, method, 'passes parameters to ctx.sql()');
          out[dialect].push(text);
          return [];
        },
        get em(): never {
          throw refusal(r, method, 'uses ctx.em');
        },
      } as unknown as RevisionContext;
      // A revision's functions only send statements: a squash captures them without a database.
      await r[method]!(ctx);
    }
  }
  return out;
}

function refusal(r: Revision, method: string, what: string): InvalidDevOptionError {
  return new InvalidDevOptionError(
    'squash()',
    'to',
    `${r.id}'s ${method}() ${what}; squash() copies only SQL text. Squash up to the revision before it, or rewrite it with plain ctx.sql() statements.`,
  );
}

/**
 * The marked statement line replaced by the captured SQL, branched on the dialect when they
 * differ: one branch per distinct body, SQLite's last (the `else`).
 */
function fillBody(source: string, mark: string, method: 'up' | 'down', captured: Captured): string {
  const lines = (statements: string[], indent: string) =>
    (statements.length
      ? statements.map((s) => `${indent}await sql(${jsString(s)});`)
      : [`${indent}// Nothing to do.`]
    ).join('\n');
  const text = (dialect: (typeof DIALECTS)[number]) => captured[dialect].join('\n');
  const same = DIALECTS.every((dialect) => text(dialect) === text('sqlite'));
  const block = (statements: string[]) => `{\n${lines(statements, '      ')}\n    }`;
  const branches = DIALECTS.filter((d) => d !== 'sqlite' && text(d) !== text('sqlite')).map(
    (d) => `if (dialect === '${d}') ${block(captured[d])}`,
  );
  const body = same ? lines(captured.sqlite, '    ') : `    ${[...branches, block(captured.sqlite)].join(' else ')}`;
  let out = source.replace(`    await sql(${jsString(mark)});`, body);
  if (!same) out = out.replace(new RegExp(`(async ${method}\\(\\{ sql)( \\}\\))`), '$1, dialect$2');
  return out;
}

/** index.ts without the declared entries of `ids` (one line each, as upshift/dev writes them). */
function removeFromIndex(indexPath: string, ids: readonly string[]): void {
  const wanted = new Set(ids.map((id) => `{ id: ${jsString(id)},`));
  const source = readFileSync(indexPath, 'utf8');
  const kept = source.split('\n').filter((line) => !wanted.has(line.trim().slice(0, line.trim().indexOf(',') + 1)));
  const removed = source.split('\n').length - kept.length;
  if (removed !== ids.length) {
    throw new BundleIndexError(
      indexPath,
      `lists ${removed} of the ${ids.length} squashed revisions as one-line declared entries; remove the others by hand (the squashed revision is already listed).`,
    );
  }
  writeFileSync(indexPath, kept.join('\n'));
}
