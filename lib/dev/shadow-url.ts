import type { MikroORM } from '@mikro-orm/core';
import { ShadowDatabaseError, ShadowDatabaseRefusedError } from './errors.ts';

/**
 * A shadow database that someone else created (Prisma's shadowDatabaseUrl): for managed
 * PostgreSQL servers where the development role may not CREATE DATABASE. upshift/dev empties it
 * before use and after, so it refuses a database that could be anyone's data: the app's own, or
 * one with upshift version rows that this code did not put there (no marker table).
 */

/** The table that marks a database as upshift/dev's shadow: its version rows are then its own. */
const MARKER = 'upshift_shadow_marker';

export interface Sql {
  execute(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

export function sqlOf(orm: MikroORM): Sql {
  return orm.em.getConnection() as unknown as Sql;
}

/** The URL with its password hidden, for messages. */
export function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

const PROTOCOLS = {
  postgresql: { test: /^postgres(ql)?:$/, example: 'postgresql://user:password@host:port/database' },
  mariadb: { test: /^(mysql|mariadb):$/, example: 'mysql://user:password@host:port/database' },
};

/** MikroORM options that point at the URL's server and database, over the app's configuration. */
export function connectionOptions(
  url: string,
  dialect: keyof typeof PROTOCOLS = 'postgresql',
): Record<string, unknown> {
  const { test, example } = PROTOCOLS[dialect];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ShadowDatabaseError(`shadowDatabaseUrl is not a URL (expected ${example}): ${redacted(url)}`);
  }
  const dbName = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!test.test(parsed.protocol) || !dbName) {
    throw new ShadowDatabaseError(
      `shadowDatabaseUrl must be a ${example.slice(0, example.indexOf(':'))}:// URL naming a database, got ${redacted(url)}`,
    );
  }
  return {
    clientUrl: url,
    dbName,
    host: parsed.hostname || undefined,
    port: parsed.port ? Number(parsed.port) : undefined,
    user: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
  };
}

/** Who a connection is: its database on its server, and the backend it runs on. */
async function identity(sql: Sql): Promise<{ key: string; pid: number; started: string }> {
  const [row] = await sql.execute(
    'select current_database() as db, pg_postmaster_start_time()::text as boot, coalesce(inet_server_port(), 0) as port, pg_backend_pid() as pid, ' +
      '(select backend_start::text from pg_stat_activity where pid = pg_backend_pid()) as started',
  );
  return { key: `${row!.db}|${row!.boot}|${row!.port}`, pid: Number(row!.pid), started: String(row!.started) };
}

/**
 * Refuses the shadow when it is the app's database (same database on the same server, or a
 * backend of the app's connection visible in it), or when it holds an upshift version table
 * with rows and no shadow marker.
 */
export async function refuseUnsafeShadow(appOrm: MikroORM, shadowOrm: MikroORM, url: string): Promise<void> {
  const [app, shadow] = [sqlOf(appOrm), sqlOf(shadowOrm)];
  const mine = await identity(app);
  const theirs = await identity(shadow);
  const [seen] = await shadow.execute(
    'select count(*)::int as n from pg_stat_activity where pid = ? and backend_start::text = ? and datname = current_database()',
    [mine.pid, mine.started],
  );
  if (mine.key === theirs.key || Number(seen?.n) > 0)
    throw new ShadowDatabaseRefusedError(redacted(url), "it is the app's own database");
  const tables = await shadow.execute(
    `select quote_ident(table_schema) || '.' || quote_ident(table_name) as name from information_schema.columns ` +
      `where column_name in ('parents', 'checksum', 'applied_by', 'duration_ms') and table_schema not in ('pg_catalog', 'information_schema') ` +
      'group by table_schema, table_name having count(*) = 4',
  );
  if (tables.length === 0) return;
  const [marker] = await shadow.execute(
    `select count(*)::int as n from pg_class where relname = '${MARKER}' and relnamespace = 'public'::regnamespace`,
  );
  if (Number(marker?.n) > 0) return;
  for (const { name } of tables) {
    const [count] = await shadow.execute(`select count(*)::int as n from ${String(name)}`);
    if (Number(count?.n) > 0)
      throw new ShadowDatabaseRefusedError(
        redacted(url),
        `its upshift version table ${String(name)} holds ${Number(count!.n)} row(s): it is an app's database`,
      );
  }
}

/**
 * Empties the shadow: every schema the role owns but public dropped, and in public every table,
 * view, sequence, type and function that no extension owns; then the marker written, so that the
 * version rows upshift/dev leaves in it are known to be its own.
 */
export async function emptyShadow(shadowOrm: MikroORM): Promise<void> {
  const notExtension = (catalog: string) =>
    `not exists (select 1 from pg_depend d where d.classid = '${catalog}'::regclass and d.objid = o.oid and d.deptype = 'e')`;
  await sqlOf(shadowOrm).execute(
    [
      'do $upshift$ declare r record; begin ',
      "for r in select nspname from pg_namespace o where nspname <> 'public' and nspname <> 'information_schema' and nspname not like 'pg\\_%' ",
      `and pg_get_userbyid(nspowner) = current_user and ${notExtension('pg_namespace')} loop execute format('drop schema %I cascade', r.nspname); end loop; `,
      "for r in select relname, relkind from pg_class o where relnamespace = 'public'::regnamespace and relkind in ('r', 'p', 'v', 'm', 'f') and not relispartition ",
      `and ${notExtension('pg_class')} loop execute format('drop %s if exists public.%I cascade', `,
      "case r.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'f' then 'foreign table' else 'table' end, r.relname); end loop; ",
      `for r in select relname from pg_class o where relnamespace = 'public'::regnamespace and relkind = 'S' and ${notExtension('pg_class')} `,
      "loop execute format('drop sequence if exists public.%I cascade', r.relname); end loop; ",
      `for r in select oid::regprocedure::text as sig, prokind from pg_proc o where pronamespace = 'public'::regnamespace and ${notExtension('pg_proc')} `,
      "loop execute format('drop %s if exists %s cascade', case r.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end, r.sig); end loop; ",
      "for r in select typname from pg_type o where typnamespace = 'public'::regnamespace and typtype in ('e', 'd', 'r', 'c') and (typtype <> 'c' or typrelid = 0 ",
      `or (select relkind from pg_class where oid = o.typrelid) = 'c') and ${notExtension('pg_type')} `,
      "loop execute format('drop type if exists public.%I cascade', r.typname); end loop; ",
      `create table public.${MARKER} (made_by text not null); insert into public.${MARKER} values ('upshift/dev shadow database: emptied before and after each use'); `,
      'end $upshift$',
    ].join('\n'),
  );
}

/** The marker table, for the drift comparison to leave out (it is not the entities' schema). */
export const SHADOW_MARKER_TABLE = MARKER;
