/**
 * One application boot, as a whole process: imports → ORM init → migration call → close → exit.
 *   node --conditions=upshift-source bench/procs/boot.ts <floor|floor-connected|upshift|mikro-orm> <postgresql|sqlite|mariadb> <location> <bundleDir> [ts|js] [upshiftEntry] [index|static-index]
 * floor: the same process with no migration call (and no migration import) at all.
 * floor-connected: the floor plus one `select 1` through MikroORM, which opens the first connection.
 * js + upshiftEntry: the compiled bundle and the compiled upshift (what production loads).
 */
const [mode, dialect, location, bundle, ext = 'ts', upshiftEntry = 'upshift', index = 'index'] = process.argv.slice(
  2,
) as [string, string, string, string, string?, string?, string?];
const common = { entities: [], discovery: { warnWhenNoEntities: false } };
const driver =
  dialect === 'postgresql'
    ? await import('@mikro-orm/postgresql')
    : dialect === 'mariadb'
      ? await import('@mikro-orm/mariadb')
      : await import('@mikro-orm/sqlite');
const target = dialect === 'sqlite' ? { dbName: location } : { clientUrl: location };

if (mode === 'floor') {
  const orm = await driver.MikroORM.init({ ...target, ...common } as never);
  await orm.close(true);
} else if (mode === 'floor-connected') {
  // The floor plus the first query an app sends: MikroORM connects on it (and checks that the
  // database exists). The floor itself never connects; a migration call must.
  const orm = await driver.MikroORM.init({ ...target, ...common } as never);
  await orm.em.getConnection().execute('select 1');
  await orm.close(true);
} else if (mode === 'upshift') {
  const [{ Migrator }, { revisions }] = await Promise.all([
    import(upshiftEntry) as Promise<typeof import('upshift')>,
    import(`${bundle}/revisions/${index}.${ext}`),
  ]);
  const orm = await driver.MikroORM.init({ ...target, ...common } as never);
  // No logger option, as an app that brings none: upshift's default (pino) loads only if there
  // is something to log. An app that has pino already pays for it in its floor too.
  await new Migrator({ orm, revisions }).upgrade();
  await orm.close(true);
} else if (mode === 'mikro-orm') {
  const [{ Migrator }, { migrationsList }] = await Promise.all([
    import('@mikro-orm/migrations'),
    import(`${bundle}/mikro/index.${ext}`),
  ]);
  const orm = await driver.MikroORM.init({
    ...target,
    ...common,
    extensions: [Migrator],
    migrations: { migrationsList, snapshot: false, silent: true },
  } as never);
  await orm.migrator.up();
  await orm.close(true);
} else {
  throw new Error(`unknown mode ${mode}`);
}
