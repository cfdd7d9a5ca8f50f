import { createRequire, Module } from 'node:module';

export type UmzugModule = typeof import('umzug');

const require = createRequire(import.meta.url);

/**
 * Loads umzug's Umzug class and MigrationError without the parts of umzug that upshift never
 * uses: its CLI (@rushstack/ts-command-line, some 180 modules) and its glob-based migration
 * discovery (tinyglobby). umzug's main module requires both as it loads, and that cost lands on
 * the critical path of the one replica that applies the revisions while the others wait for it
 * (bench/4-concurrent and bench/7-import-cost record what it saves).
 *
 * So while umzug/lib/umzug.js loads, each of the two sits in require.cache as a stand-in (Node
 * documents adding entries there); require() is synchronous, so no other module load can see a
 * stand-in, and both are removed right after. umzug keeps the stand-ins, which load the real
 * module on first use: an app that calls getCli(), runAsCLI() or uses a glob on any Umzug still
 * gets umzug's own code, only later.
 *
 * If umzug is already loaded, or a future umzug moves these files or touches either module while
 * loading, this is a plain require of umzug: slower, never different.
 */
export function requireLeanUmzug(): UmzugModule {
  let mainPath: string;
  let deferred: string[];
  try {
    mainPath = require.resolve('umzug/lib/umzug.js');
    deferred = [require.resolve('umzug/lib/cli.js'), createRequire(mainPath).resolve('tinyglobby')];
  } catch {
    // A umzug whose files moved, or that no longer lets them be required by path.
    return require('umzug') as UmzugModule;
  }
  if ([mainPath, ...deferred].some((path) => require.cache[path])) return require(mainPath) as UmzugModule;
  const standIns = deferred.map(standInFor);
  for (const standIn of standIns) require.cache[standIn.filename] = standIn;
  try {
    return require(mainPath) as UmzugModule;
  } catch {
    for (const path of [mainPath, ...deferred]) delete require.cache[path];
    return require(mainPath) as UmzugModule;
  } finally {
    for (const standIn of standIns)
      if (require.cache[standIn.filename] === standIn) delete require.cache[standIn.filename];
  }
}

/** A module whose exports load the real module at `path` on first use. */
function standInFor(path: string): Module {
  const standIn = new Module(path);
  standIn.filename = path;
  standIn.loaded = true;
  let real: object | undefined;
  const load = (): object => {
    // Touched while umzug itself is loading: require() would return this stand-in again. The
    // throw ends up in requireLeanUmzug's catch, which loads umzug the plain way.
    if (require.cache[path] === standIn) throw new Error(`${path} was used while umzug loaded`);
    return (real ??= require(path) as object);
  };
  standIn.exports = new Proxy(
    {},
    {
      get: (_target, key) => Reflect.get(load(), key),
      has: (_target, key) => Reflect.has(load(), key),
      ownKeys: () => Reflect.ownKeys(load()),
      // A proxy may not report a property as non-configurable unless its target has it.
      getOwnPropertyDescriptor: (_target, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
  return standIn;
}
