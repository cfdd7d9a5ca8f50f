import { hostname } from 'node:os';
import tap from 'tap';
import { createDatabase } from '../helpers/databases.ts';
import { LockLostError, LockTimeoutError, Migrator, defineRevision } from 'upshift';
import { holdLock } from '../helpers/hold-lock.ts';
import { chain, revisionId } from '../helpers/revisions.ts';
import { userTables, versionRows } from '../helpers/schema.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';
import { eachDialect, onPostgres } from '../helpers/each-dialect.ts';
import { startWorker } from '../helpers/workers.ts';

onPostgres(
  'lock diagnostics: the waiting instance logs who holds the lock after 1 s and every 5 s, and LockTimeoutError carries the same',
  async (t, db) => {
    // The holder is a real upshift process in the middle of slow revisions.
    const holder = startWorker(db, { REVISIONS: 4, DELAY_MS: 3000 });
    t.teardown(() => void holder.child.kill('SIGKILL'));
    await holder.logged(/applying revision rev0001/);
    const orm = await db.orm();
    const { logger, lines } = memoryLogger();
    const m = new Migrator({ orm, revisions: chain(4), logger, lock: { timeoutMs: 8000 } });
    const error = (await m.upgrade().catch((e: unknown) => e)) as LockTimeoutError;
    const expectedName = `upshift ${hostname()} pid ${holder.child.pid}`.slice(0, 63);
    const waits = lines.filter((l) => /^waiting for the PostgreSQL advisory lock/.test(String(l.msg)));
    t.ok(waits.length >= 2, `logged after 1 s and again 5 s later (${waits.length} lines)`);
    for (const w of waits) {
      const h = w.holder as Record<string, unknown>;
      t.equal(h.applicationName, expectedName, 'application_name names upshift, the host and the holder pid');
      t.match(
        String(w.msg),
        new RegExp(
          `held by backend pid ${h.pid}, application_name "${expectedName}", client 127\\.0\\.0\\.1, since \\d{4}-`,
        ),
      );
    }
    t.type(error, LockTimeoutError);
    t.equal(error.holder?.applicationName, expectedName);
    t.equal(error.holder?.pid, (waits[0]!.holder as { pid: number }).pid, 'the same backend pid');
    t.equal(error.holder?.clientAddress, '127.0.0.1');
    t.ok(
      error.holder?.since instanceof Date && Date.now() - error.holder.since.getTime() < 30_000,
      'since a moment ago',
    );
    t.match(
      error.message,
      new RegExp(`Timed out after 8000 ms .*application_name "${expectedName}", client 127\\.0\\.0\\.1`),
    );
    holder.child.kill('SIGKILL');
    await holder.done;
  },
);

eachDialect(
  'a long transaction: false revision (CREATE INDEX CONCURRENTLY on PostgreSQL) while other processes wait: no deadlock; a short timeout fails, a long one waits and applies nothing',
  async (t, db) => {
    const long = startWorker(db, { KIND: 'concurrent-index', SLOW_MS: 5000 });
    await long.logged(/applying revision items2/);
    const impatient = startWorker(db, { KIND: 'concurrent-index', TIMEOUT_MS: 1000 });
    const patient = startWorker(db, { KIND: 'concurrent-index', TIMEOUT_MS: 30_000 });
    const [a, b, c] = await Promise.all([long.done, impatient.done, patient.done]);
    t.equal(
      a.code,
      0,
      'the long revision finishes (no deadlock)',
      a.code === 0 ? {} : { stderr: a.stderr.slice(-1500) },
    );
    t.same(a.result?.applied, ['items1', 'items2']);
    t.equal(b.code, 1, 'the impatient instance exits with an error, not a hang');
    t.equal(b.result?.code, 'UPSHIFT_LOCK_TIMEOUT', `LockTimeoutError: ${b.result?.message}`);
    t.equal(
      c.code,
      0,
      'the patient instance waits, then starts',
      c.code === 0 ? {} : { stderr: c.stderr.slice(-1500) },
    );
    t.same(c.result?.applied, [], 'applying nothing');
    t.same(await versionRows(db), ['items1', 'items2']);
    if (db.dialect === 'postgresql') {
      const [index] = await db.query<{ valid: boolean }>(
        "select indisvalid as valid from pg_index where indexrelid = 'items_name'::regclass",
      );
      t.equal(index?.valid, true, 'the concurrent index is built and valid');
    } else {
      t.same(await db.query("select name from sqlite_master where type = 'index' and name = 'items_name'"), [
        { name: 'items_name' },
      ]);
    }
  },
);

for (const transaction of ['each', 'all'] as const) {
  onPostgres(
    `connection loss (transaction: '${transaction}'): terminating the lock backend mid-revision → LockLostError, nothing of the running revision is committed, the next upgrade finishes`,
    async (t, db) => {
      const orm = await db.orm();
      const base = chain(4);
      let terminated = 0;
      const killer = defineRevision({
        ...base[1]!,
        async up(ctx) {
          await base[1]!.up(ctx);
          if (terminated++ === 0) {
            // Another connection (the test's) ends the lock's backend while this revision runs.
            const rows = await db.query<{ ok: boolean }>(
              "select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name like 'upshift %' and state = 'idle' and datname = current_database()",
            );
            t.equal(rows.length, 1, 'found the idle lock connection');
            await new Promise((r) => setTimeout(r, 200));
          }
        },
      });
      const revisions = [base[0]!, killer, base[2]!, base[3]!];
      const { logger } = memoryLogger();
      const m = new Migrator({ orm, revisions, logger, transaction });
      const error = (await m.upgrade().catch((e: unknown) => e)) as LockLostError;
      t.type(error, LockLostError);
      t.equal(error.code, 'UPSHIFT_LOCK_LOST');
      // 'each': the first revision had committed on its own; 'all': the whole run is one transaction.
      const kept = transaction === 'each' ? [revisionId('rev', 1)] : [];
      t.same(await versionRows(db), kept, 'the revision running when the lock died is not recorded');
      t.notOk((await userTables(db)).includes(`t_${revisionId('rev', 2)}`), 'and its changes were rolled back');
      const again = await m.upgrade();
      t.same(
        again.applied,
        [1, 2, 3, 4].slice(kept.length).map((i) => revisionId('rev', i)),
        'the next upgrade() finishes',
      );
    },
  );
}

tap.test(
  'LockTimeoutError on SQLite: waiting is logged and the error says the holder is unknown [sqlite]',
  async (t) => {
    const db = await createDatabase('sqlite');
    t.teardown(() => db.drop());
    const held = await holdLock(db);
    t.teardown(() => held.release());
    const { logger, lines } = memoryLogger();
    const m = new Migrator({ orm: await db.orm(), revisions: chain(1), logger, lock: { timeoutMs: 1500 } }); // past the 1 s before a wait is reported
    const error = (await m.upgrade().catch((e: unknown) => e)) as LockTimeoutError;
    t.type(error, LockTimeoutError);
    t.equal(error.holder, undefined);
    t.match(error.message, /SQLite write lock; the holder is unknown/);
    t.ok(lines.some((l) => /^waiting for the SQLite write lock/.test(String(l.msg))));
  },
);
