import { CompiledQuery } from 'kysely';

/**
 * MikroORM's onCreateConnection for an app that keeps each tenant in a schema of its own: every
 * connection the ORM opens is pointed at `schema` before its first query. Revisions written
 * without a schema then land in the tenant, and so must upshift's tables.
 */
export function searchPathHook(schema: string): (connection: unknown) => Promise<void> {
  return async (connection) => {
    const quoted = `"${schema.replaceAll('"', '""')}"`;
    await (connection as { executeQuery(query: CompiledQuery): Promise<unknown> }).executeQuery(
      CompiledQuery.raw(`set search_path to ${quoted}`),
    );
  };
}
