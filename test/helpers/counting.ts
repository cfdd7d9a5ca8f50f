/**
 * MikroORM options that count the statements an ORM sends, through its own query logger: every
 * statement upshift runs goes through the ORM's connection (the PostgreSQL lock connection
 * aside, which the fast-path tests prove unused by holding the lock elsewhere).
 */
export function countingOptions(): { options: Record<string, unknown>; statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    options: {
      debug: ['query'],
      colors: false,
      logger: (message: string) => statements.push(message),
    },
  };
}

/**
 * An ORM on `db` that counts the statements it sends, connected first (so connection set-up is
 * not counted), with its list of statements empty: what the tests of "how many statements" need.
 */
export async function countedOrm(
  db: { orm(entities?: unknown[], extra?: Record<string, unknown>): Promise<import('@mikro-orm/core').MikroORM> },
  extra: Record<string, unknown> = {},
) {
  const { options, statements } = countingOptions();
  const orm = await db.orm([], { ...options, ...extra });
  await orm.em.getConnection().execute('select 1');
  statements.length = 0;
  return { orm, statements };
}
