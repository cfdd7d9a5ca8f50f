/** The text `--help` prints: every command, with Flask-Migrate's names and flags. */
export const HELP = `Usage: <your script> <command> [arguments] [--json]

Runtime commands
  upgrade [target] [--sql] [--dry-run]
                                   apply revisions up to target (default: heads)
  downgrade <target> [--sql] [--dry-run]
                                   revert down to target (an id, base, or -1)
  stamp <target> [--sql] [--purge] record target as applied without running anything
                                   --sql prints the script instead (target <from>:<to>: no connection)
                                   --dry-run runs it in a transaction that is rolled back
  current [--verbose]              the applied heads
  heads                            the bundle's heads
  branches                         revisions with more than one child
  history [-r <from>:<to>] [--verbose]
                                   every revision: id, parents, message, date, applied
  show <rev>                       one revision's header and SQL
  status                           exit 0 up to date, 2 pending, 1 error, ahead or diverged

Development commands (load upshift/dev)
  init                             create the revisions folder
  revision -m <msg> [--autogenerate|--empty] [--safe]
                                   --safe (PostgreSQL): the lint's safe recipes, as a chain of revisions
  migrate -m <msg>                 revision --autogenerate
  merge -m <msg> [heads...]        join the heads
  check [--lint=error|warn|off]    the revisions build the entities' schema, one head;
                                   PostgreSQL: unsafe DDL is an error, a warning (default) or not checked
  sync                             rewrite index.ts entries from their files (after an edit)
  reset [--yes]                    to base and back to heads (development databases only)

Several databases ({ databases: { name: { orm, revisions } } })
  --db <name>                      act on that database; without it, on every one (a result each)
                                   (downgrade, stamp, show, merge, reset and an empty revision need --db)

Tenant schemas ({ tenants: { schemas } }, PostgreSQL)
  --tenant <schema>                upgrade, downgrade, current, status, history on that tenant
  --all-tenants                    ... on every tenant (a result each; one failing stops no other)

Every command takes --json for a machine-readable result, and --help.
Exit codes: 0 done, 1 an error (on several databases or tenants: any failed), 2 status pending.
`;
