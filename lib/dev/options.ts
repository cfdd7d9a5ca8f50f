import type { MikroORM } from '@mikro-orm/core';
import { pino, type Logger } from 'pino';
import { REVISION_ID } from '../revision.ts';
import type { RevisionGraph } from '../revision-graph.ts';
import { InvalidDevOptionError } from './errors.ts';
import { dialectOf } from './shadow.ts';

/** Checks of the arguments shared by revision(), merge() and check(): all before any write. */

export function requireMessage(operation: string, message: unknown): string {
  if (typeof message !== 'string' || message.trim() === '') {
    throw new InvalidDevOptionError(operation, 'message', `must be a non-empty string describing the change (got ${describe(message)}), e.g. revision({ ..., message: "add email to user" }).`);
  }
  return message;
}

export function requireNewId(operation: string, id: unknown, graph: RevisionGraph): string | undefined {
  if (id === undefined) return undefined;
  if (typeof id !== 'string' || !REVISION_ID.test(id)) {
    throw new InvalidDevOptionError(operation, 'id', `must be 4 to 64 characters of A-Z, a-z, 0-9 and _ (got ${describe(id)}); leave it out for 12 random hex characters.`);
  }
  if (graph.has(id)) throw new InvalidDevOptionError(operation, 'id', `"${id}" is already a revision in the bundle; choose another id or leave it out.`);
  return id;
}

export function requireOrm(operation: string, orm: unknown): MikroORM {
  dialectOf(orm as MikroORM, operation);
  return orm as MikroORM;
}

export function loggerOf(logger: Logger | undefined): Logger {
  return logger ?? pino({ name: 'upshift', level: 'info' });
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  return typeof value;
}
