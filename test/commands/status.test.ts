// `status` as a gate for CI and init containers: 0 up to date, 2 pending (upgrade would bring the
// database to the bundle), 1 when it cannot: a database ahead of the bundle or diverged from it,
// with a message saying which and what to do.
import { defineRevision } from 'upshift';
import { eachDialect } from '../helpers/each-dialect.ts';
import { chain } from '../helpers/revisions.ts';
import { silent } from '../dev/load.ts';
import { run, runJson } from './helpers.ts';

eachDialect('status exits 1 on a database ahead or diverged, 2 pending, 0 up to date', async (t, db) => {
  const orm = await db.orm();
  const config = (revisions: ReturnType<typeof chain>, extra = {}) => ({ orm, revisions, logger: silent, ...extra });
  t.equal((await run(['upgrade'], config(chain(3, { prefix: 'st' })))).code, 0);
  t.equal((await run(['status'], config(chain(3, { prefix: 'st' })))).code, 0, 'up to date: 0');

  // An older release: the database holds st0003, which its bundle lacks.
  let ran = await run(['status'], config(chain(2, { prefix: 'st' })));
  t.equal(ran.code, 1, 'ahead: 1');
  t.match(ran.out, /^ahead\n/);
  t.match(
    ran.out,
    /The database is ahead of this code: it holds st0003, which this bundle does not have \(a newer release applied them\)\. Deploy that release, or, to go back, downgrade to st0002 with the newer release's script\./,
  );
  const ahead = await runJson<{ relation: string; problem: string; upToDate: boolean }>(
    ['status'],
    config(chain(2, { prefix: 'st' })),
  );
  t.equal(ahead.code, 1);
  t.equal(ahead.json.relation, 'ahead');
  t.match(ahead.json.problem, /ahead of this code/, '--json carries the problem too');

  // Another line: a bundled revision pending on top of st0003, which this bundle does not know.
  const other = [...chain(2, { prefix: 'st' }), defineRevision({ id: 'other3', parents: ['st0002'], async up() {} })];
  ran = await run(['status'], config(other));
  t.equal(ran.code, 1, 'diverged: 1');
  t.match(ran.out, /^diverged\n/);
  t.match(
    ran.out,
    /The database and this code have diverged: it holds st0003, which this bundle does not have, and this code would apply other3\. upgrade refuses \(UPSHIFT_DIVERGED\): deploy code whose bundle holds both lines of history/,
  );
  ran = await run(['status'], config(other, { onDatabaseAhead: 'apply' }));
  t.equal(ran.code, 2, 'the same with onDatabaseAhead "apply": pending, which upgrade applies (2)');
  t.equal((await run(['upgrade'], config(other, { onDatabaseAhead: 'apply' }))).code, 0);
});
