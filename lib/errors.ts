// Every error upshift throws, by theme; one import path for the rest of lib/.
export * from './errors/base.ts';
export * from './errors/input.ts';
export * from './errors/lock.ts';
export * from './errors/run.ts';
export * from './errors/state.ts';
export * from './errors/resume.ts';
