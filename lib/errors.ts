// Every error upshift throws, by theme; one import path for the rest of lib/.
export * from './errors/base.ts';
export * from './errors/input.ts';
export * from './errors/lock.ts';
export * from './errors/run.ts';
export * from './errors/state.ts';
export * from './errors/commands.ts';
export * from './errors/offline.ts';
export * from './errors/adopt.ts';
export * from './errors/squash.ts';
export * from './errors/baseline.ts';
export * from './errors/ddl.ts';
export * from './errors/invalid-index.ts';
export * from './errors/resume.ts';
