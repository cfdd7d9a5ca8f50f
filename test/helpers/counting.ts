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
