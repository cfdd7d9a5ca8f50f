/**
 * Scenario 8 — a schema per tenant (PostgreSQL): upgradeTenants() over 1,000 tenant schemas.
 * Timed: the no-op call when every tenant is at head (goal: a small constant number of statements
 * whatever the number of tenants, ≤ 50 ms), and applying one new revision to every tenant with
 * `concurrency` 1, 2, 4 and 8 (it should scale with N until the server saturates; on 2 cores that
 * is early). The bundle: a chain of small revisions whose SQL names no schema.
 */
import { defineRevision, upgradeTenants, type Revision } from 'upshift';
import { createDb, openOrm } from './support/db.ts';
import { benchLogger } from './support/tools.ts';
import { fmtMs, interleave, median, type BenchOptions, type Recorder } from './support/report.ts';
import { standalone, type Scenario } from './support/scenario.ts';

export const scenario: Scenario = {
  id: '8-tenants',
  title: 'a schema per tenant: no-op over 1,000 tenants, and one revision applied to all of them',
  async run(options: BenchOptions, rec: Recorder) {
    if (!options.dialects.includes('postgresql')) return;
    await runOn(options, rec);
  },
};

function bundle(n: number): Revision[] {
  const id = (i: number) => `tn${String(i).padStart(4, '0')}`;
  return Array.from({ length: n }, (_, k) => {
    const i = k + 1;
    return defineRevision({
      id: id(i),
      parents: i === 1 ? [] : [id(i - 1)],
      createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      async up({ sql }) {
        await sql(`create table item_${i} (id integer primary key, name text not null)`);
      },
      async down({ sql }) {
        await sql(`drop table item_${i}`);
      },
    });
  });
}

async function runOn(options: BenchOptions, rec: Recorder): Promise<void> {
  const tenants = options.quick ? 50 : 1000;
  const schemas = Array.from({ length: tenants }, (_, i) => `tenant_${String(i).padStart(4, '0')}`);
  const db = await createDb('postgresql', 'tenants');
  let statements = 0;
  const orm = await openOrm('postgresql', db.location, {
    onQuery: () => statements++,
    extra: { pool: { min: 0, max: 20 } },
  });
  try {
    const logger = benchLogger();
    let revisions = 3;
    const setup = performance.now();
    await upgradeTenants({ orm, revisions: bundle(revisions), schemas, concurrency: 8, logger });
    rec.note(`${tenants} tenants set up (3 revisions each) in ${fmtMs(performance.now() - setup)}`);

    statements = 0;
    await upgradeTenants({ orm, revisions: bundle(revisions), schemas, logger });
    const sent = statements;
    const times = await interleave(
      { noop: () => upgradeTenants({ orm, revisions: bundle(revisions), schemas, logger }) },
      options.quick ? 3 : 11,
    );
    const noop = median(times.noop!);
    rec.figure({
      dialect: 'postgresql',
      name: `no-op upgradeTenants() over ${tenants} tenants`,
      value: noop,
      unit: 'ms',
      detail: `median of ${times.noop!.length}; ${sent} statements`,
    });
    rec.goal({
      dialect: 'postgresql',
      goal: `(8) no-op over ${tenants} tenants: a small constant number of statements, ≤ 50 ms`,
      measured: `${fmtMs(noop)}, ${sent} statements`,
      pass: options.quick ? null : noop <= 50 && sent <= 3,
    });

    const applied: Record<number, number> = {};
    for (const concurrency of [1, 2, 4, 8]) {
      revisions++;
      const started = performance.now();
      const results = await upgradeTenants({ orm, revisions: bundle(revisions), schemas, concurrency, logger });
      applied[concurrency] = performance.now() - started;
      const failed = results.filter((r) => !r.ok).length;
      rec.figure({
        dialect: 'postgresql',
        name: `one new revision applied to ${tenants} tenants, concurrency ${concurrency}`,
        value: applied[concurrency]!,
        unit: 'ms',
        detail: `${fmtMs(applied[concurrency]! / tenants)} per tenant${failed ? `; ${failed} failed` : ''}`,
      });
    }
    rec.goal({
      dialect: 'postgresql',
      goal: '(8) applying scales with concurrency until the server saturates (2 at least 1.3× faster than 1)',
      measured: `speed-up over concurrency 1: ${[2, 4, 8].map((n) => `${n}: ${(applied[1]! / applied[n]!).toFixed(2)}×`).join(', ')}`,
      pass: options.quick ? null : applied[1]! / applied[2]! >= 1.3,
    });
  } finally {
    await orm.close(true);
  }
}

if (import.meta.main) await standalone(scenario);
