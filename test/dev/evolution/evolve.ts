import type { MikroORM } from '@mikro-orm/core';
import { Migrator } from 'upshift';
import { check, init, revision } from 'upshift/dev';
import type { AnyDialectName, TestDatabase } from '../../helpers/databases.ts';
import type { TapTest } from '../../helpers/each-dialect.ts';
import { copySet, entitiesOf, type EntitySet, type FixtureDialect } from '../../fixtures/entities/spec.ts';
import { loadRevisions, silent } from '../load.ts';
import { workspace } from '../workspace.ts';
import { rowFacts, seed, type RowFacts } from './rows.ts';
import { schemaDump } from './schema-dump.ts';

/** One change to an entity set: what a developer does before running revision(). */
export interface Evolution {
  message: string;
  change(set: EntitySet, dialect: FixtureDialect): void;
  /** The change drops data on purpose (a column, a table): up()'s data-loss notes are expected. */
  drops?: boolean;
  /** Databases where the change changes nothing (SQLite has no varchar length): revision() must return null. */
  unchanged?: FixtureDialect[];
}

/**
 * Issue 22's evolution suite, on one database: the first revision from nothing, then each
 * evolution, on a database that holds rows in every table. At each step: revision(), check(),
 * upgrade(), every row of every table still there unless the change drops it (counts and foreign
 * key values compared), downgrade('-1'), the schema equal to the step before (and the rows the
 * step did not drop still there), upgrade() again; then the new tables get rows too.
 */
export async function evolve(
  t: TapTest,
  db: TestDatabase<AnyDialectName>,
  initial: (dialect: FixtureDialect) => EntitySet,
  evolutions: readonly Evolution[],
): Promise<void> {
  const ws = workspace();
  t.teardown(ws.remove);
  await init({ dir: ws.dir });
  let set = initial(db.dialect);
  let schemaBefore = await schemaDump(db);
  let unconverged: string | undefined;
  const timing = { revision: 0, check: 0, started: performance.now() };
  t.teardown(() => {
    t.comment(
      `[${db.dialect}] ${steps.length} steps in ${Math.round(performance.now() - timing.started)} ms: revision() ${Math.round(timing.revision)} ms, check() ${Math.round(timing.check)} ms`,
    );
  });
  const steps: Evolution[] = [{ message: 'the first revision, from nothing', change: () => undefined }, ...evolutions];
  for (const [n, evolution] of steps.entries()) {
    const label = `step ${n} (${evolution.message})`;
    const next = copySet(set);
    evolution.change(next, db.dialect);
    const orm = await db.orm(entitiesOf(next));
    const before = await rowFacts(db, orm);

    let started = performance.now();
    const generated = await revision({ orm, dir: ws.dir, message: evolution.message, logger: silent });
    timing.revision += performance.now() - started;
    if (evolution.unchanged?.includes(db.dialect)) {
      t.equal(generated, null, `${label}: no change on ${db.dialect}, no revision`);
      await closeQuietly(orm);
      set = next;
      continue;
    }
    if (!generated) {
      t.fail(`${label}: revision() found no change`);
      return;
    }
    if (!evolution.drops && n > 0)
      t.same(
        generated.dataLoss.filter((d) => d.startsWith('up:')),
        [],
        `${label}: no data loss reported for up()`,
      );
    const revisions = await loadRevisions(ws.dir);
    started = performance.now();
    try {
      // The new revision's round trip is the one below, on the real database with rows, which
      // compares more; every earlier revision had its round trip at its own step and in the full
      // check() at the end. So each step's check() tests the drift and the heads only.
      const checked = await check({ orm, revisions, skipRoundTrip: n < steps.length - 1 });
      // MikroORM's diff not converging is its limitation, which check() names instead of failing
      // on: said once per set of tables, with the first statement it keeps asking for.
      const tables = checked.unconverged?.tables.join(', ');
      if (tables && tables !== unconverged)
        t.comment(`[${db.dialect}] ${label}: unconverged ${tables}: ${clip(checked.unconverged!.statements[0]!)}`);
      unconverged = tables;
    } catch (error) {
      t.fail(`${label}: check() ${(error as Error).message}`);
      return;
    }
    timing.check += performance.now() - started;
    const migrator = new Migrator({ orm, revisions, logger: silent });
    t.same((await migrator.upgrade()).applied, [generated.id], `${label}: upgrade() applies it`);
    const after = await rowFacts(db, orm);
    t.same(
      survivors(after, before),
      kept(before, after),
      `${label}: every row and foreign key value the change does not drop is still there`,
    );
    const schemaAfter = await schemaDump(db);

    if (!generated.irreversible) {
      await migrator.downgrade('-1');
      t.same(await schemaDump(db), schemaBefore, `${label}: downgrade('-1') restores the schema of the step before`);
      const restored = await rowFacts(db, orm);
      const untouched = Object.keys(before.counts).filter((table) => table in after.counts);
      t.same(
        pick(restored.counts, untouched),
        pick(before.counts, untouched),
        `${label}: and keeps the rows of the tables the step did not drop`,
      );
      await migrator.upgrade();
      t.same(await schemaDump(db), schemaAfter, `${label}: upgrade() again builds the same schema`);
    }
    await seed(db, orm);
    await closeQuietly(orm);
    set = next;
    schemaBefore = await schemaDump(db);
  }
}

/** What `after` holds of what `before` had, for the tables and references that still exist. */
function survivors(after: RowFacts, before: RowFacts): RowFacts {
  return {
    counts: pick(
      after.counts,
      Object.keys(before.counts).filter((k) => k in after.counts),
    ),
    references: pick(
      after.references,
      Object.keys(before.references).filter((k) => k in after.references),
    ),
  };
}

function kept(before: RowFacts, after: RowFacts): RowFacts {
  return {
    counts: pick(
      before.counts,
      Object.keys(before.counts).filter((k) => k in after.counts),
    ),
    references: pick(
      before.references,
      Object.keys(before.references).filter((k) => k in after.references),
    ),
  };
}

function clip(statement: string): string {
  return statement.length > 160 ? `${statement.slice(0, 159)}…` : statement;
}

function pick<T>(record: Record<string, T>, keys: string[]): Record<string, T> {
  return Object.fromEntries(keys.map((k) => [k, record[k]!]));
}

async function closeQuietly(orm: MikroORM): Promise<void> {
  await orm.close(true).catch(() => undefined);
}
