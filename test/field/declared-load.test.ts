// Finding 9: a declared entry whose module cannot be imported fails before any statement that
// writes: the one statement sent first is the boot's read of the state row.
import { Migrator } from 'upshift';
import { checksumOf } from '../../lib/checksum.ts';
import { eachDialect } from '../helpers/each-dialect.ts';
import { countedOrm } from '../helpers/counting.ts';
import { chain } from '../helpers/revisions.ts';
import { memoryLogger } from '../helpers/silent-logger.ts';

eachDialect(
  'a declared module that fails to import: InvalidRevisionError after one read, and no write',
  async (t, db) => {
    const { orm, statements } = await countedOrm(db);
    const revisions = chain(2).map((r) => ({
      id: r.id,
      parents: r.parents,
      createdAt: r.createdAt,
      checksum: checksumOf(r),
      load: () => Promise.reject(new Error(`Cannot find module ./${r.id}.ts`)),
    }));
    await t.rejects(new Migrator({ orm, revisions, logger: memoryLogger().logger }).upgrade(), {
      code: 'UPSHIFT_INVALID_REVISION',
      message: /could not be loaded/,
    });
    t.ok(statements.length <= 1, `at most the boot's one read (${statements.length})`);
    t.ok(
      statements.every((s) => /^\[query\] select /i.test(s)),
      `and only reads: ${statements.join(' | ')}`,
    );
  },
);
