import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { eachDialect } from './helpers/each-dialect.ts';
import { startWorker } from './helpers/workers.ts';

eachDialect("applying revisions does not load umzug's CLI (@rushstack/ts-command-line)", async (t, db) => {
  const worker = await startWorker(db, { REVISIONS: 3 }).done;
  t.equal(worker.code, 0, worker.stderr.slice(-800));
  t.same(worker.result?.applied, ['rev0001', 'rev0002', 'rev0003'], 'the revisions ran through umzug');
  t.equal(worker.result?.umzugCliLoaded, false, "and umzug's CLI was never loaded");
});

t.test(
  "an app that uses umzug's CLI or glob discovery in the same process still gets them, loaded when used",
  async (t) => {
    const fixture = fileURLToPath(new URL('./fixtures/umzug-cli.ts', import.meta.url));
    const seen = JSON.parse(
      execFileSync(process.execPath, ['--conditions=upshift-source', fixture], { encoding: 'utf8' }),
    ) as Record<string, boolean>;
    t.same(seen, {
      classes: true,
      afterLoad: { cli: false, glob: false },
      cliIsUmzugs: true,
      globbed: ['m1.cjs', 'm2.cjs'],
      afterUse: { cli: true, glob: true },
      sameUmzugViaIndex: true,
      indexCliIsReal: true,
    });
  },
);
