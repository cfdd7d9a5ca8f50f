import { CommandUsageError } from '../errors.ts';
import type * as Runtime from '../index.ts';
import type { TenantResult } from '../tenants.ts';
import { ids, type Output, type Part } from './output.ts';
import { allowOnly, requireArg, type FlagName, type ParsedCommand } from './parse.ts';
import { downgradeLines, historyLines, inRange, upgradeLines } from './runtime-commands.ts';
import { statusReport } from './status.ts';
import type { Target } from './targets.ts';

/**
 * The runtime entry, by its package name and only when a tenant command runs: the build keeps it
 * external, so the commands use the runtime's own TenantMigrator (no chunk split off the runtime
 * entry for it, and no copy). The type import is erased.
 */
const RUNTIME_ENTRY: string = 'upshift';
const runtime = () => import(RUNTIME_ENTRY) as Promise<typeof Runtime>;

/** The commands that act per tenant schema with --tenant <schema> or --all-tenants. */
export const TENANT_COMMANDS: readonly string[] = ['upgrade', 'downgrade', 'current', 'status', 'history'];

/** Commands that read or write the database's version table, which a tenant database keeps per tenant. */
const READS_VERSION_TABLE = new Set([...TENANT_COMMANDS, 'stamp', 'reset']);

const TENANT_FLAGS: FlagName[] = ['tenant', 'all_tenants'];

/**
 * A database configured with tenants keeps its version tables in the tenant schemas: a command
 * that reads or writes them without --tenant/--all-tenants would act on the app's own schema,
 * where the tenants' revisions do not belong. Refused, saying what to add.
 */
export function refuseWithoutTenant(command: ParsedCommand, target: Target): void {
  if (!target.tenants || !READS_VERSION_TABLE.has(command.name ?? '')) return;
  const which = target.name === undefined ? 'This database' : `Database "${target.name}"`;
  throw new CommandUsageError(
    command.name,
    TENANT_COMMANDS.includes(command.name ?? '')
      ? `${which} migrates tenant schemas: add --tenant <schema> or --all-tenants.`
      : `${which} migrates tenant schemas, and ${command.name} does not act per tenant (per tenant: ${TENANT_COMMANDS.join(', ')}).`,
  );
}

/** Runs one of TENANT_COMMANDS on the chosen tenants of `target`: a part per tenant, in the schemas' order. */
export async function runTenantCommand(command: ParsedCommand, output: Output, target: Target): Promise<number> {
  const name = command.name ?? '';
  if (!TENANT_COMMANDS.includes(name))
    throw new CommandUsageError(
      name,
      `${name} does not act per tenant; --tenant and --all-tenants go with ${TENANT_COMMANDS.join(', ')}.`,
    );
  if (!target.tenants) {
    const which = target.name === undefined ? 'this configuration' : `database "${target.name}"`;
    throw new CommandUsageError(name, `--tenant/--all-tenants: ${which} has no tenants; add tenants: { schemas }.`);
  }
  if (command.flags.tenant !== undefined && command.flags.all_tenants)
    throw new CommandUsageError(name, 'Give --tenant <schema> or --all-tenants, not both.');
  const { schema: _schema, searchPath: _searchPath, ...options } = target.options;
  const { schemas, concurrency } = target.tenants;
  const tenants = new (await runtime()).TenantMigrator({
    ...options,
    schemas: command.flags.tenant === undefined ? schemas : await oneTenant(name, schemas, command.flags.tenant),
    ...(concurrency === undefined ? {} : { concurrency }),
  });
  const parts = <T>(
    results: TenantResult<T>[],
    text: (value: T) => { value: unknown; lines: string[]; code: number },
  ) =>
    results.map(
      (r): Part =>
        r.ok ? { name: r.schema, ok: true, ...text(r.result) } : { name: r.schema, ok: false, error: r.error },
    );
  const done = (lines: string[], value: unknown) => ({ value, lines, code: 0 });
  switch (name) {
    case 'upgrade':
      allowOnly(command, TENANT_FLAGS, 1);
      return output.parts(
        'tenant',
        parts(await tenants.upgrade(command.args[0] ?? 'heads'), (r) => done(upgradeLines(r), r)),
      );
    case 'downgrade': {
      allowOnly(command, TENANT_FLAGS, 1);
      const target = requireArg(command, 'a target (a revision id, base, or -1)');
      return output.parts(
        'tenant',
        parts(await tenants.downgrade(target), (r) => done(downgradeLines(r), r)),
      );
    }
    case 'current':
      allowOnly(command, TENANT_FLAGS, 0);
      return output.parts(
        'tenant',
        parts(await tenants.current(), (r) => done([ids(r, '(base)')], { current: r })),
      );
    case 'status':
      allowOnly(command, TENANT_FLAGS, 0);
      return output.parts('tenant', parts(await tenants.status(), statusReport));
    default: {
      allowOnly(command, [...TENANT_FLAGS, 'rev_range'], 0);
      return output.parts(
        'tenant',
        parts(await tenants.history(), (r) => {
          const value = { history: inRange(r, command) };
          return done(historyLines(value), value);
        }),
      );
    }
  }
}

/** --tenant: one schema, which must be one of the tenants the configuration lists. */
async function oneTenant(
  command: string,
  schemas: NonNullable<Target['tenants']>['schemas'],
  schema: string,
): Promise<string[]> {
  const list = typeof schemas === 'function' ? await schemas() : schemas;
  if (!Array.isArray(list) || !list.includes(schema)) {
    const shown = Array.isArray(list)
      ? list
          .slice(0, 10)
          .map((s) => `"${s}"`)
          .join(', ') + (list.length > 10 ? ', …' : '')
      : '';
    throw new CommandUsageError(
      command,
      `--tenant "${schema}" is not one of the tenant schemas the configuration lists (${shown || 'none'}).`,
    );
  }
  return [schema];
}
