import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import type { Revision } from 'upshift';

let n = 0;

/** The bundle as the app would import it, fresh each time (the module cache is bypassed). */
export async function loadRevisions(dir: string): Promise<Revision[]> {
  const module = (await import(`${pathToFileURL(join(dir, 'index.ts')).href}?test=${++n}`)) as { revisions: Revision[] };
  return [...module.revisions];
}

export function files(dir: string): string[] {
  return readdirSync(dir).sort();
}

export const silent = pino({ level: 'silent' });
