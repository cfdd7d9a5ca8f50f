import {
  Migrator,
  ChecksumMismatchError,
  InvalidRevisionError,
  defineRevision,
  type LazyRevision,
  type Revision,
} from 'upshift';
import { checksumOf } from '../lib/checksum.ts';
import { eachDialect } from './helpers/each-dialect.ts';
import { chain } from './helpers/revisions.ts';
import { countedOrm } from './helpers/counting.ts';
import { memoryLogger } from './helpers/silent-logger.ts';

/** Declared entries for revisions, as upshift/dev writes them, counting how often a module is imported. */
function declared(revisions: readonly Revision[], checksum: (r: Revision) => string = checksumOf) {
  const loads: string[] = [];
  const entries: LazyRevision[] = revisions.map((r) => ({
    id: r.id,
    parents: r.parents,
    createdAt: r.createdAt,
    checksum: checksum(r),
    load: async () => {
      loads.push(r.id);
      return { default: r };
    },
  }));
  return { entries, loads };
}

async function tables(
  db: { query: (sql: string) => Promise<Record<string, unknown>[]> },
  dialect: string,
): Promise<string[]> {
  const sql =
    dialect === 'postgresql'
      ? "select table_name as name from information_schema.tables where table_schema = 'public' and table_name like 't\\_%' order by 1"
      : "select name from sqlite_master where type = 'table' and name like 't\\_%' escape '\\' order by 1";
  return (await db.query(sql)).map((r) => String(r.name));
}

eachDialect(
  'declared revisions: a no-op boot imports no module and sends one statement; a pending one is imported and applied',
  async (t, db) => {
    const first = declared(chain(5));
    const applied = await new Migrator({
      orm: await db.orm(),
      revisions: first.entries,
      logger: memoryLogger().logger,
    }).upgrade();
    t.same(applied.applied, ['rev0001', 'rev0002', 'rev0003', 'rev0004', 'rev0005']);
    t.same(first.loads.sort(), ['rev0001', 'rev0002', 'rev0003', 'rev0004', 'rev0005'], 'applying imports the modules');

    const { orm, statements } = await countedOrm(db);
    const boot = declared(chain(5));
    const { logger, lines } = memoryLogger();
    const migrator = new Migrator({ orm, revisions: boot.entries, logger });
    const result = await migrator.upgrade();
    t.same(result.applied, []);
    t.same(result.current, ['rev0005']);
    t.same(boot.loads, [], 'no module imported on a no-op boot');
    t.equal(statements.length, 1, `one statement: ${statements.join(' | ')}`);
    t.same(
      lines.filter((l) => (l.level as number) >= 40),
      [],
      'nothing to warn about',
    );
    t.same(
      (await migrator.history()).map((h) => h.message),
      chain(5).map((r) => r.message),
      'history() imports them for their messages',
    );
    t.equal(boot.loads.length, 5);

    // A release with one more revision, mixed with an eagerly imported one.
    const next = declared(chain(6).slice(0, 5));
    const sixth = chain(6)[5]!;
    const upgraded = await new Migrator({
      orm: await db.orm(),
      revisions: [...next.entries, sixth],
      logger: memoryLogger().logger,
    }).upgrade();
    t.same(upgraded.applied, ['rev0006']);
    t.same(await tables(db, db.dialect), [
      't_rev0001',
      't_rev0002',
      't_rev0003',
      't_rev0004',
      't_rev0005',
      't_rev0006',
    ]);

    // The next boot of that mixed bundle: declared and imported revisions count together in the digest.
    statements.length = 0;
    const mixed = declared(chain(6).slice(0, 5));
    const again = await new Migrator({
      orm,
      revisions: [...mixed.entries, sixth],
      logger: memoryLogger().logger,
    }).upgrade();
    t.same(again.applied, []);
    t.same(mixed.loads, [], 'a no-op boot of a mixed bundle imports no module');
    t.equal(statements.length, 1, `and sends one statement: ${statements.join(' | ')}`);
  },
);

eachDialect(
  'declared revisions: an entry that disagrees with its module is refused before anything runs',
  async (t, db) => {
    const orm = await db.orm();
    const revisions = chain(2);
    const { entries } = declared(revisions);
    // The module says rev0002 builds on rev0001; the entry says it is a base.
    const wrong = [entries[0]!, { ...entries[1]!, parents: [] }];
    const error = await new Migrator({ orm, revisions: wrong, logger: memoryLogger().logger })
      .upgrade()
      .catch((e: unknown) => e);
    t.ok(error instanceof InvalidRevisionError, 'InvalidRevisionError');
    t.match((error as Error).message, /revisions\[1\].*"rev0002" with parents "".*module has "rev0001"/);
    t.same(await tables(db, db.dialect), [], 'nothing applied');

    const missing = [{ ...entries[0]!, load: () => Promise.reject(new Error('Cannot find module ./gone.ts')) }];
    await t.rejects(new Migrator({ orm, revisions: missing, logger: memoryLogger().logger }).upgrade(), {
      code: 'UPSHIFT_INVALID_REVISION',
      message: /revisions\[0\]: revision "rev0001" could not be loaded: Cannot find module/,
    });
    t.throws(
      () => new Migrator({ orm, revisions: [{ ...entries[0]!, checksum: 'abc' }], logger: memoryLogger().logger }),
      { code: 'UPSHIFT_INVALID_REVISION', message: /checksum "abc"/ },
    );
    t.same(await tables(db, db.dialect), [], 'still nothing applied');
  },
);

eachDialect(
  'declared revisions: a stale declared checksum costs boots the import, not correctness; edits are still caught',
  async (t, db) => {
    await new Migrator({ orm: await db.orm(), revisions: chain(3), logger: memoryLogger().logger }).upgrade();
    const stale = declared(chain(3), (r) => (r.id === 'rev0002' ? `v2:${'0'.repeat(64)}` : checksumOf(r)));
    const { logger, lines } = memoryLogger();
    const result = await new Migrator({ orm: await db.orm(), revisions: stale.entries, logger }).upgrade();
    t.same(result.applied, []);
    t.equal(stale.loads.length, 3, 'the declaration did not match the database: the modules were imported to compare');
    t.ok(
      lines.some(
        (l) => l.level === 40 && /declares a checksum that is not its module's for rev0002/.test(String(l.msg)),
      ),
      'and the stale entry is named',
    );
    t.notOk(
      lines.some((l) => /edited/.test(String(l.msg))),
      'the modules are unedited: no edit reported',
    );
    t.notOk(
      lines.some((l) => /older checksum format/.test(String(l.msg))),
      'a current-format checksum is not called outdated',
    );

    // An index written by an upshift that hashed revisions differently (v1): named as such.
    const older = declared(chain(3), (r) => `v1:${checksumOf(r).slice(3)}`);
    const old = memoryLogger();
    t.same(
      (await new Migrator({ orm: await db.orm(), revisions: older.entries, logger: old.logger }).upgrade()).applied,
      [],
    );
    t.ok(
      old.lines.some(
        (l) =>
          l.level === 40 &&
          /for rev0001, rev0002, rev0003 \(in an older checksum format: not an edit\)/.test(String(l.msg)),
      ),
      'older-format entries are named as such',
    );

    // rev0002's module edited after it ran, its entry updated to the new checksum: the edit is seen.
    const edited = chain(3).map((r) =>
      r.id === 'rev0002'
        ? defineRevision({ ...r, up: async ({ sql }) => void (await sql('create table t_rev0002 (id integer)')) })
        : r,
    );
    const migrator = new Migrator({
      orm: await db.orm(),
      revisions: declared(edited).entries,
      logger: memoryLogger().logger,
      checksums: 'error',
    });
    await t.rejects(migrator.upgrade(), ChecksumMismatchError);
  },
);
