import type { MikroORM } from '@mikro-orm/core';
import { entities } from './entities.ts';

export type ExampleDialect = 'postgresql' | 'sqlite';

/** PostgreSQL when DATABASE_URL is set, otherwise SQLite (a file, SQLITE_PATH or example.db). */
export function dialectOf(env: NodeJS.ProcessEnv): ExampleDialect {
  return env.DATABASE_URL ? 'postgresql' : 'sqlite';
}

export async function createOrm(env: NodeJS.ProcessEnv = process.env, models: unknown[] = entities): Promise<MikroORM> {
  if (dialectOf(env) === 'postgresql') {
    const { MikroORM } = await import('@mikro-orm/postgresql');
    return (await MikroORM.init({ clientUrl: env.DATABASE_URL, entities: models as never })) as unknown as MikroORM;
  }
  const { MikroORM } = await import('@mikro-orm/sqlite');
  return (await MikroORM.init({
    dbName: env.SQLITE_PATH ?? 'example.db',
    entities: models as never,
  })) as unknown as MikroORM;
}
