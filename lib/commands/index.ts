// The commands entry (upshift/commands): Flask-Migrate's commands for the app's own script.
// Never imported by the runtime entry; development commands import upshift/dev only when run.
import { pino, type DestinationStream, type Logger } from 'pino';
import { Migrator } from '../migrator.ts';
import type { MigratorOptions } from '../options.ts';
import { CommandUsageError } from '../errors.ts';
import { devCommands } from './dev-commands.ts';
import { HELP } from './help.ts';
import { Output } from './output.ts';
import { parseCommand } from './parse.ts';
import { RUNTIME_COMMANDS } from './runtime-commands.ts';

export interface CommandOptions extends MigratorOptions {
  /** The revisions folder, for init, revision, migrate and merge. */
  dir?: string;
  /** The app's logger; default: pino at warn on `err`, so that stdout holds only the result. */
  logger?: Logger;
  /** Where results go. Default process.stdout. */
  out?: NodeJS.WritableStream;
  /** Where errors go (text mode; with --json they are the JSON result). Default process.stderr. */
  err?: NodeJS.WritableStream;
}

/**
 * Runs one command line, e.g. `process.exitCode = await runCommand(process.argv.slice(2), config)`.
 * Resolves to the exit code: 0 done, 2 `status` not up to date, 1 an error (printed as its message
 * and code, never a stack). Never rejects.
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
    let migrator: Migrator | undefined;
    const { dir: _dir, out: _out, err: _err, ...rest } = options;
    // Without the app's logger, warnings go to the error stream so that stdout holds only the result (--json stays parseable).
    const migratorOptions = { ...rest, logger: rest.logger ?? commandLogger(err) };
    options = { ...options, logger: migratorOptions.logger };
    const commands = { ...RUNTIME_COMMANDS, ...devCommands(options) };
    const run = Object.hasOwn(commands, command.name) ? commands[command.name] : undefined;
    if (!run) throw new CommandUsageError(command.name, `Unknown command "${command.name}".`);
    return await run({ command, output, migrator: () => (migrator ??= new Migrator(migratorOptions)) });
  } catch (error) {
    output.error(error);
    return 1;
  }
}

function commandLogger(err: NodeJS.WritableStream): Logger {
  return pino({ name: 'upshift', level: 'warn' }, err as unknown as DestinationStream);
}

export { CommandUsageError, NotDevelopmentDatabaseError } from '../errors.ts';
