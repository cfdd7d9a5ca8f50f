import { tmpdir } from 'node:os';
import { basename, resolve, sep } from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import type * as Dev from '../dev/index.ts';
import { CommandUsageError, NotDevelopmentDatabaseError } from '../errors.ts';
import { ids, type Part } from './output.ts';
import { allowOnly, type ParsedCommand } from './parse.ts';
import type { Command } from './runtime-commands.ts';
import type { Target } from './targets.ts';

/**
 * The development entry, imported only when a development command runs: the runtime never loads
 * it. Imported by its package name (the build leaves it external), so the commands and upshift/dev
 * share one copy of every class; the type import is erased.
 */
const DEV_ENTRY: string = 'upshift/dev';
const dev = () => import(DEV_ENTRY) as Promise<typeof Dev>;

function requireDir(target: Target, name: string): string {
  if (typeof target.dir !== 'string' || target.dir === '') {
    const where = target.name === undefined ? '' : ` of database "${target.name}"`;
    throw new CommandUsageError(name, `${name} needs the revisions folder${where}: pass { dir } to runCommand().`);
  }
  return target.dir;
}

const initLines = (r: { dir: string; files: string[] }) => [`created ${r.dir}`, ...r.files.map((f) => `  ${f}`)];

/** init on several databases: a folder per database under `root`, and the root index exporting them all. */
export async function initAll(root: string, names: string[]): Promise<Part[]> {
  const results = await (await dev()).initDatabases({ dir: root, databases: names });
  return names.map((name) => ({ name, ok: true, value: results[name], lines: initLines(results[name]!), code: 0 }));
}

function requireMessage(command: ParsedCommand): string {
  const message = command.flags.message;
  if (!message)
    throw new CommandUsageError(command.name, `${command.name} needs a message: -m "what this revision does".`);
  return message;
}

export function devCommands(target: Target): Record<string, Command> {
  const options = target.options;
  const init: Command = async ({ command, output }) => {
    allowOnly(command, [], 0);
    output.result(await (await dev()).init({ dir: requireDir(target, 'init') }), initLines);
    return 0;
  };

  const revision: Command = async ({ command, output }) => {
    allowOnly(command, ['message', 'autogenerate', 'empty', 'safe'], 0);
    if (command.flags.autogenerate && command.flags.empty)
      throw new CommandUsageError(command.name, 'Give --autogenerate or --empty, not both.');
    // Flask-Migrate: `revision` is empty unless --autogenerate, `migrate` autogenerates.
    const autogenerate = command.flags.empty
      ? false
      : command.flags.autogenerate === true || command.name === 'migrate';
    const written = await (await dev()).revision({
      orm: options.orm,
      dir: requireDir(target, command.name ?? 'revision'),
      message: requireMessage(command),
      autogenerate,
      ...(command.flags.safe ? { safe: true } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    output.result({ revision: written }, (r) =>
      r.revision === null
        ? ['no changes: nothing written']
        : [
            `wrote ${r.revision.path}`,
            `parents: ${ids(r.revision.parents, '(base)')}`,
            ...r.revision.chain.map((c) => `wrote ${c.path}${c.transaction ? '' : ' (transaction: false)'}`),
            ...r.revision.lint.map((f) => `UNSAFE DDL [${f.rule}] in ${f.revision}: ${f.statement}`),
          ],
    );
    return 0;
  };

  const merge: Command = async ({ command, output }) => {
    allowOnly(command, ['message'], 2);
    const heads = command.args.length > 0 ? { heads: command.args } : {};
    const merged = await (await dev()).merge({
      dir: requireDir(target, 'merge'),
      message: requireMessage(command),
      ...heads,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    output.result({ revision: merged }, (r) => [`wrote ${r.revision.path}`, `parents: ${ids(r.revision.parents)}`]);
    return 0;
  };

  const check: Command = async ({ command, output }) => {
    allowOnly(command, ['lint'], 0);
    const lint = lintFlag(command);
    const result = await (await dev()).check({
      orm: options.orm,
      revisions: options.revisions,
      ...(lint === undefined ? {} : { lint }),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    output.result(result, (r) => [
      `ok: ${r.revisions} revisions build the entities' schema${r.irreversible.length > 0 ? `; irreversible: ${ids(r.irreversible)}` : ''}`,
      ...r.lint.map((f) => `UNSAFE DDL [${f.rule}] in ${f.revision}: ${f.statement}`),
    ]);
    return 0;
  };

  /** Down to base and up to the heads, on a development database only. */
  const reset: Command = async ({ command, output, migrator }) => {
    allowOnly(command, ['yes'], 0);
    const database = databaseName(options.orm);
    if (!command.flags.yes && !looksLikeDevelopment(options.orm)) throw new NotDevelopmentDatabaseError(database);
    const down = await migrator().downgrade('base');
    const up = await migrator().upgrade('heads');
    output.result({ reverted: down.reverted, applied: up.applied, current: up.current }, (r) => [
      `reverted: ${ids(r.reverted)}`,
      `applied: ${ids(r.applied)}`,
      `current: ${ids(r.current, '(base)')}`,
    ]);
    return 0;
  };

  const sync: Command = async ({ command, output }) => {
    allowOnly(command, [], 0);
    const result = await (await dev()).sync({ dir: requireDir(target, 'sync') });
    output.result(result, (r) => [
      r.updated.length === 0
        ? `${r.indexPath} is in step with its files`
        : `rewrote the entries of ${ids(r.updated)} in ${r.indexPath}`,
    ]);
    return 0;
  };

  return { init, revision, migrate: revision, merge, check, reset, sync };
}

/** `--lint=error|warn|off` → check()'s `lint` option (undefined: its default, warn). */
function lintFlag(command: ParsedCommand): 'error' | 'warn' | false | undefined {
  const value = command.flags.lint;
  if (value === undefined) return undefined;
  if (value === 'error' || value === 'warn') return value;
  if (value === 'off') return false;
  throw new CommandUsageError(command.name, `--lint takes error, warn or off (got "${value}").`);
}

function databaseName(orm: MikroORM): string {
  const config = orm.config;
  return String(config.get('dbName') ?? config.get('clientUrl') ?? '');
}

/**
 * Whether the ORM's database is clearly a development one: an in-memory or temp-folder SQLite
 * file, or a database (or SQLite file) whose name contains dev, test or local. Anything else
 * needs --yes, so that `reset` pointed at production by a wrong environment refuses.
 */
export function looksLikeDevelopment(orm: MikroORM): boolean {
  const name = databaseName(orm);
  if (
    orm.config.get('driver')?.name?.toLowerCase().includes('sqlite') ||
    /\.(db|sqlite3?)$/.test(name) ||
    name === ':memory:'
  ) {
    if (name === ':memory:' || name === '') return true;
    const path = resolve(name);
    if (path.startsWith(resolve(tmpdir()) + sep)) return true;
    return /dev|test|local/i.test(path.split(sep).slice(-3).join(sep));
  }
  return /dev|test|local/i.test(basename(name.split('?')[0] ?? ''));
}
