import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import type { Revision, RevisionEntry } from 'upshift';

let n = 0;

/** The bundle as the app would import it (its entries), fresh each time (the module cache is bypassed). */
export async function loadEntries(dir: string): Promise<RevisionEntry[]> {
  const module = (await import(`${pathToFileURL(join(dir, 'index.ts')).href}?test=${++n}`)) as {
    revisions: RevisionEntry[];
  };
  return [...module.revisions];
}

/** The bundle's revisions, each declared entry's module imported. */
export async function loadRevisions(dir: string): Promise<Revision[]> {
  return Promise.all(
    (await loadEntries(dir)).map(async (entry) =>
      'load' in entry ? ((await entry.load()) as { default: Revision }).default : entry,
    ),
  );
}

export function files(dir: string): string[] {
  return readdirSync(dir).sort();
}

export const silent = pino({ level: 'silent' });
