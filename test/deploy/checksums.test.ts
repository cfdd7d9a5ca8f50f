import { ChecksumMismatchError, defineRevision, Migrator, type Revision } from 'upshift';
import { eachDialect } from '../helpers/each-dialect.ts';
import { chain, revisionId } from '../helpers/revisions.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';
import { compiledCopies } from '../helpers/compile.ts';
import { countedOrm } from '../helpers/counting.ts';

const r = (i: number) => revisionId('rev', i);

/** chain(3) with rev0002's up() replaced by a function of different text (same id and parents). */
function edited(): Revision[] {
  const revisions = chain(3);
  revisions[1] = defineRevision({
    ...revisions[1]!,
    async up({ sql }) {
      await sql(`create table t_${r(2)} (id integer primary key, extra integer)`);
    },
  });
  return revisions;
}

/** A revision whose up() source is given as text, so line endings and trailing blanks are exact. */
function fromSource(upSource: string): Revision {
  // eslint-disable-next-line no-eval
  // biome-ignore lint/security/noGlobalEval: the test rebuilds a function from its own printed source, as a bundler would
  // biome-ignore lint/complexity/noCommaOperator: an indirect eval, so the source sees only globals
  const up = (0, eval)(`(${upSource})`) as Revision['up'];
  return defineRevision({
    id: 'text1',
    parents: [],
    up,
    down: async ({ sql }) => void (await sql('drop table t_text')),
  });
}

eachDialect(
  'checksums: an edited applied revision is reported per the checksums option; stamp("heads") accepts it',
  async (t, db) => {
    const orm = await db.orm();
    await new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger }).upgrade();

    const warn = memoryLogger();
    const result = await new Migrator({ orm, revisions: edited(), logger: warn.logger }).upgrade();
    t.same(result.applied, [], 'warn: starts');
    const line = warn.lines.find((l) => l.level === 40);
    t.match(
      line?.msg,
      /applied revision\(s\) edited since they ran: rev0002 \(checksums: "warn"\)/,
      'warn: logs the edited id',
    );
    t.same(line?.edited, [r(2)]);
    const status = await new Migrator({ orm, revisions: edited(), logger: memoryLogger().logger }).status();
    t.same(status.edited, [r(2)], 'status().edited');

    const strict = new Migrator({ orm, revisions: edited(), logger: memoryLogger().logger, checksums: 'error' });
    const error = (await strict.upgrade().catch((e: unknown) => e)) as ChecksumMismatchError;
    t.type(error, ChecksumMismatchError, 'error: throws');
    t.equal(error.code, 'UPSHIFT_CHECKSUM_MISMATCH');
    t.same(error.revisionIds, [r(2)], 'listing the id');
    t.match(error.message, /rev0002/);
    await t.rejects(strict.status(), ChecksumMismatchError, 'status() too');

    const off = memoryLogger();
    const quiet = new Migrator({ orm, revisions: edited(), logger: off.logger, checksums: 'off' });
    await quiet.upgrade();
    t.same((await quiet.status()).edited, [], 'off: not reported');
    t.same(
      off.lines.filter((l) => (l.level as number) >= 40),
      [],
      'off: silent',
    );

    const stamped = await new Migrator({ orm, revisions: edited(), logger: memoryLogger().logger }).stamp('heads');
    t.same(stamped.rechecksummed, [r(2)], 'stamp re-records the checksum');
    t.same([stamped.added, stamped.removed], [[], []], 'and changes nothing else');
    t.same((await strict.upgrade()).applied, [], 'accepted: checksums "error" now passes');
    t.same((await strict.status()).edited, []);
    const original = (await new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger }).status()).edited;
    t.same(original, [r(2)], 'and the old text is now the edit');
  },
);

eachDialect('checksums ignore CRLF vs LF and trailing whitespace', async (t, db) => {
  const orm = await db.orm();
  const lf = 'async function up({ sql }) {\n  await sql("create table t_text (id integer)");\n}';
  const crlf = 'async function up({ sql }) {   \r\n  await sql("create table t_text (id integer)");\t\r\n}  \r\n';
  const cr = lf.replaceAll('\n', '\r');
  await new Migrator({ orm, revisions: [fromSource(lf)], logger: memoryLogger().logger }).upgrade();
  for (const [name, text] of [
    ['CRLF + trailing blanks', crlf],
    ['CR only', cr],
  ] as const) {
    const m = new Migrator({ orm, revisions: [fromSource(text)], logger: memoryLogger().logger, checksums: 'error' });
    t.same((await m.status()).edited, [], `${name}: no mismatch`);
    t.same((await m.upgrade()).applied, [], `${name}: upgrade passes with checksums "error"`);
  }
  const changed = lf.replace('id integer', 'id bigint');
  const m = new Migrator({ orm, revisions: [fromSource(changed)], logger: memoryLogger().logger, checksums: 'error' });
  await t.rejects(m.upgrade(), ChecksumMismatchError, 'a real change of the text still counts');
});

eachDialect(
  'a revision applied from TypeScript source is not an edit when production runs it compiled',
  async (t, db) => {
    const fixture = new URL('../fixtures/compiled/revision.ts', import.meta.url);
    const load = async (url: URL) => ((await import(url.href)) as { default: Revision }).default;
    const orm = await db.orm();
    await new Migrator({ orm, revisions: [await load(fixture)], logger: memoryLogger().logger }).upgrade();
    const rows = (await orm.em.getConnection().execute(`select "name" from "people" order by "id"`)) as {
      name: string;
    }[];
    t.same(
      rows.map((r) => r.name),
      ['ADA', "O'NEIL"],
      'the fixture ran',
    );

    const { copies, remove } = compiledCopies(fixture);
    t.teardown(remove);
    for (const [name, url] of Object.entries(copies)) {
      const log = memoryLogger();
      const m = new Migrator({ orm, revisions: [await load(url)], logger: log.logger, checksums: 'error' });
      t.same((await m.status()).edited, [], `${name}: no mismatch`);
      t.same((await m.upgrade()).applied, [], `${name}: upgrade passes with checksums "error"`);
      t.same(
        log.lines.filter((l) => (l.level as number) >= 40),
        [],
        `${name}: nothing to warn about`,
      );
    }
  },
);

eachDialect(
  'rows recorded with an older checksum format are named at boot, and stamp("heads") records them anew',
  async (t, db) => {
    const orm = await db.orm();
    await new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger }).upgrade();
    await orm.em.getConnection().execute(`update "upshift_revisions" set "checksum" = 'v1:' || substr("checksum", 4)`);

    const boot = memoryLogger();
    t.same(
      (await new Migrator({ orm, revisions: chain(3), logger: boot.logger, checksums: 'error' }).upgrade()).applied,
      [],
      'not an edit, even with checksums "error"',
    );
    const line = boot.lines.find((l) => l.level === 40);
    t.match(
      line?.msg,
      /3 applied revision\(s\) were recorded with an older checksum format \(rev0001, rev0002, rev0003\)[\s\S]*stamp\('heads'\)/,
    );
    t.same(line?.outdated, [r(1), r(2), r(3)]);

    const stamped = await new Migrator({ orm, revisions: chain(3), logger: memoryLogger().logger }).stamp('heads');
    t.same(stamped.rechecksummed, [r(1), r(2), r(3)], 'stamp re-records them');
    const { orm: counted, statements } = await countedOrm(db);
    const after = memoryLogger();
    await new Migrator({ orm: counted, revisions: chain(3), logger: after.logger }).upgrade();
    t.equal(statements.length, 1, 'and the boot is one query again');
    t.same(
      after.lines.filter((l) => (l.level as number) >= 40),
      [],
      'with nothing to warn about',
    );
  },
);
