import { UpshiftError } from './base.ts';

/** The command line given to runCommand() names no known command, lacks an argument, or has an unknown flag. */
export class CommandUsageError extends UpshiftError {
  readonly command: string | undefined;
  constructor(command: string | undefined, message: string) {
    super('UPSHIFT_COMMAND_USAGE', `${message} Run with --help for the list of commands and their flags.`);
    this.command = command;
  }
}

/** `reset` was asked of a database that does not look like a development one, without --yes. */
export class NotDevelopmentDatabaseError extends UpshiftError {
  readonly database: string;
  constructor(database: string) {
    super(
      'UPSHIFT_NOT_DEVELOPMENT_DATABASE',
      `reset drops every revision's schema and rebuilds it, and "${database}" does not look like a development database ` +
        '(an SQLite file under a temp/dev folder, or a name containing dev, test or local). Pass --yes if it is one.',
    );
    this.database = database;
  }
}
