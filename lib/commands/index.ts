// The commands entry (upshift/commands): Flask-Migrate's commands for the app's own script.
// Never imported by the runtime entry; development commands import upshift/dev only when run.
import { join } from 'node:path';
import { pino, type DestinationStream, type Logger } from 'pino';
import { CommandUsageError } from '../errors.ts';
import { devCommands, initAll } from './dev-commands.ts';
import { HELP } from './help.ts';
import { Captured, Output, type Part, type ResultSink } from './output.ts';
import { parseCommand, type ParsedCommand } from './parse.ts';
import { RUNTIME_COMMANDS, type Command } from './runtime-commands.ts';
import { refuseWithoutTenant, runTenantCommand } from './tenant-commands.ts';
import { targetsOf, type CommandOptions, type Target } from './targets.ts';

export type {
  CommandOptions,
  DatabaseCommandEntry,
  OneDatabaseCommandOptions,
  SeveralDatabasesCommandOptions,
  TenantsConfig,
} from './targets.ts';

/**
 * Commands that act on one database only, so several need --db: a target or a revision id
 * belongs to one database's history, and a merge or a reset to one database.
 */
const ONE_DATABASE: Record<string, string> = {
  downgrade: "its target is a revision of one database's history",
  stamp: "its target is a revision of one database's history",
  show: "a revision belongs to one database's history",
  merge: "it joins one database's heads",
  reset: 'it rebuilds one database',
};

/**
 * Runs one command line, e.g. `process.exitCode = await runCommand(process.argv.slice(2), config)`.
 * Resolves to the exit code: 0 done, 2 `status` with revisions pending, 1 an error (printed as its
 * message and code, never a stack). On several databases or tenants: 1 if any failed (the others
 * still done, each failed one named), else the highest. Never rejects.
 */
export async function runCommand(argv: readonly string[], options: CommandOptions): Promise<number> {
  const out = options?.out ?? process.stdout;
  const err = options?.err ?? process.stderr;
  let output = new Output({ out, err }, Array.isArray(argv) && argv.includes('--json'));
  try {
    const command = parseCommand(argv);
    output = new Output({ out, err }, command.flags.json === true);
    if (command.flags.help || command.name === undefined || command.name === 'help') {
      out.write(HELP);
      return command.name === undefined && !command.flags.help ? 1 : 0;
    }
    if (!options || typeof options !== 'object')
      throw new CommandUsageError(command.name, 'runCommand(argv, config) needs a config: { orm, revisions, dir }.');
    // Without the app's logger, warnings go to the error stream so that stdout holds only the result (--json stays parseable).
    const logger = options.logger ?? commandLogger(err);
    const { several, targets } = targetsOf(options, command, logger);
    if (command.flags.tenant !== undefined || command.flags.all_tenants) {
      if (targets.length !== 1)
        throw new CommandUsageError(
          command.name,
          `--tenant and --all-tenants act on one database: add --db <name> (${names(targets)}).`,
        );
      return await runTenantCommand(command, output, targets[0]!);
    }
    if (!several) return await runOn(command, output, targets[0]!);
    return await runOnAll(command, output, targets, options.dir);
  } catch (error) {
    output.error(error);
    return 1;
  }
}

/** The command on one database, its result to `sink`. */
function runOn(command: ParsedCommand, sink: ResultSink, target: Target): Promise<number> {
  const run = commandNamed(command, target);
  refuseWithoutTenant(command, target);
  return run({ command, output: sink, migrator: target.migrator });
}

function commandNamed(command: ParsedCommand, target: Target): Command {
  const commands = { ...RUNTIME_COMMANDS, ...devCommands(target) };
  const run = Object.hasOwn(commands, command.name ?? '') ? commands[command.name!] : undefined;
  if (!run) throw new CommandUsageError(command.name, `Unknown command "${command.name}".`);
  return run;
}

/**
 * Without --db on several databases: every database in turn, a part each (one failing stops no
 * other). What only makes sense on one database is refused, naming the choices.
 */
async function runOnAll(
  command: ParsedCommand,
  output: Output,
  targets: Target[],
  root: string | undefined,
): Promise<number> {
  const name = command.name ?? '';
  commandNamed(command, targets[0]!);
  const emptyRevision = name === 'revision' && !command.flags.autogenerate;
  if (Object.hasOwn(ONE_DATABASE, name) || emptyRevision) {
    const why = emptyRevision
      ? 'an empty revision belongs to one database (revision --autogenerate writes one for every database that changed)'
      : ONE_DATABASE[name];
    throw new CommandUsageError(name, `${name} acts on one database (${why}): add --db <name> (${names(targets)}).`);
  }
  if (name === 'init' && root !== undefined && targets.every((t) => t.dir === join(root, t.name!))) {
    return output.parts(
      'database',
      await initAll(
        root,
        targets.map((t) => t.name!),
      ),
    );
  }
  const parts: Part[] = [];
  for (const target of targets) {
    const captured = new Captured();
    try {
      const code = await runOn(command, captured, target);
      parts.push({ name: target.name!, ok: true, value: captured.value, lines: captured.lines, code });
    } catch (error) {
      parts.push({ name: target.name!, ok: false, error });
    }
  }
  return output.parts('database', parts);
}

function names(targets: Target[]): string {
  return `the databases are ${targets.map((t) => `"${t.name}"`).join(', ')}`;
}

function commandLogger(err: NodeJS.WritableStream): Logger {
  return pino({ name: 'upshift', level: 'warn' }, err as unknown as DestinationStream);
}

export { CommandUsageError, NotDevelopmentDatabaseError } from '../errors.ts';
