import { parseArgs } from 'node:util';
import { CommandUsageError } from '../errors.ts';

/** Every flag any command accepts; each command then refuses the ones it does not use. */
const FLAGS = {
  message: { type: 'string', short: 'm' },
  rev_range: { type: 'string', short: 'r' },
  sql: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  purge: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  autogenerate: { type: 'boolean' },
  empty: { type: 'boolean' },
  safe: { type: 'boolean' },
  lint: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  db: { type: 'string' },
  tenant: { type: 'string' },
  all_tenants: { type: 'boolean' },
} as const;

const RELATIVE = '\u0000relative:';

export type FlagName = keyof typeof FLAGS;

export interface ParsedCommand {
  /** The command name, undefined when none was given. */
  name: string | undefined;
  /** Positional arguments after the command name. */
  args: string[];
  flags: { [K in FlagName]?: (typeof FLAGS)[K]['type'] extends 'string' ? string : boolean };
}

/** Parses argv (without node and the script) strictly: an unknown flag is a CommandUsageError. */
export function parseCommand(argv: readonly string[]): ParsedCommand {
  if (!Array.isArray(argv) || argv.some((a) => typeof a !== 'string')) {
    throw new CommandUsageError(undefined, 'runCommand(argv) needs an array of strings, e.g. process.argv.slice(2).');
  }
  // Flask-Migrate spells the range --rev-range; parseArgs keys must be identifiers-ish, so map it.
  // A relative step such as `downgrade -1` is a target, not a flag: shield it from parseArgs.
  const normalised = argv.map((a) =>
    a === '--rev-range' ? '--rev_range' : a === '--all-tenants' ? '--all_tenants' : /^-\d+$/.test(a) ? RELATIVE + a : a,
  );
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof FLAGS; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args: normalised, options: FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CommandUsageError(argv[0], (error as Error).message + '.');
  }
  const [name, ...args] = parsed.positionals.map((a) => (a.startsWith(RELATIVE) ? a.slice(RELATIVE.length) : a));
  return { name, args, flags: parsed.values as ParsedCommand['flags'] };
}

/** Refuses flags the command does not take and positional arguments beyond `maxArgs`. */
export function allowOnly(command: ParsedCommand, allowed: readonly FlagName[], maxArgs: number): void {
  // --db is everyone's: which database a command acts on is decided before the command runs.
  const common: FlagName[] = ['json', 'help', 'db'];
  for (const flag of Object.keys(command.flags) as FlagName[]) {
    if (!allowed.includes(flag) && !common.includes(flag)) {
      throw new CommandUsageError(command.name, `${command.name} does not take --${flag.replace('_', '-')}.`);
    }
  }
  if (command.args.length > maxArgs) {
    throw new CommandUsageError(
      command.name,
      `${command.name} takes at most ${maxArgs} argument(s); got ${command.args.join(' ')}.`,
    );
  }
}

/** The one positional argument a command requires. */
export function requireArg(command: ParsedCommand, what: string): string {
  const value = command.args[0];
  if (value === undefined || value === '') throw new CommandUsageError(command.name, `${command.name} needs ${what}.`);
  return value;
}
