import {
  AmbiguousTargetError,
  ConfigurationError,
  defineRevision,
  DuplicateRevisionError,
  InvalidRevisionError,
  Migrator,
  MissingParentError,
  MultipleHeadsError,
  RevisionCycleError,
  UnknownTargetError,
  type UpshiftError,
} from 'upshift';
import { eachDatabase } from './helpers/each-dialect.ts';
import { chain } from './helpers/revisions.ts';
import { countedOrm } from './helpers/counting.ts';
import { memoryLogger } from './helpers/silent-logger.ts';
import { userTables } from './helpers/schema.ts';

const r = (id: string, parents: string[]) => defineRevision({ id, parents, up() {}, down() {} });

eachDatabase('bad input raises its typed error before any statement runs', async (t, db) => {
  const { orm, statements } = await countedOrm(db);
  const logger = memoryLogger().logger;

  const construction: [string, () => unknown, new (...a: never[]) => UpshiftError][] = [
    [
      'duplicate ids',
      () => new Migrator({ orm, logger, revisions: [r('aaaa', []), r('aaaa', [])] }),
      DuplicateRevisionError,
    ],
    ['missing parent', () => new Migrator({ orm, logger, revisions: [r('aaaa', ['gone'])] }), MissingParentError],
    [
      'cycle',
      () => new Migrator({ orm, logger, revisions: [r('aaaa', ['bbbb']), r('bbbb', ['aaaa'])] }),
      RevisionCycleError,
    ],
    [
      'malformed module',
      () => new Migrator({ orm, logger, revisions: [{ default: r('aaaa', []) } as never] }),
      InvalidRevisionError,
    ],
    [
      'invalid table name',
      () => new Migrator({ orm, logger, revisions: [], tableName: 'x"; drop table y; --' }),
      ConfigurationError,
    ],
    [
      'table name too long',
      () => new Migrator({ orm, logger, revisions: [], tableName: 'a'.repeat(64) }),
      ConfigurationError,
    ],
    [
      'table name without room for its state table',
      () => new Migrator({ orm, logger, revisions: [], tableName: 'a'.repeat(58) }),
      ConfigurationError,
    ],
    ['invalid schema', () => new Migrator({ orm, logger, revisions: [], schema: '1abc' }), ConfigurationError],
    [
      'bad transaction mode',
      () => new Migrator({ orm, logger, revisions: [], transaction: 'some' as never }),
      ConfigurationError,
    ],
    [
      'bad lock timeout',
      () => new Migrator({ orm, logger, revisions: [], lock: { timeoutMs: -1 } }),
      ConfigurationError,
    ],
  ];
  t.doesNotThrow(
    () => new Migrator({ orm, logger, revisions: [], tableName: 'a'.repeat(57) }),
    '57 characters leave room for "_state"',
  );
  t.throws(
    () => new Migrator({ orm, logger, revisions: [], tableName: 'a'.repeat(58) }),
    /at most 57.*"a{58}_state"/,
    'the message says why, and the limit',
  );
  for (const [what, make, type] of construction) {
    t.throws(make, type, what);
    t.throws(make, { code: /^UPSHIFT_/ }, `${what}: stable code`);
  }

  const m = new Migrator({ orm, logger, revisions: chain(3) });
  await t.rejects(m.upgrade('nope0'), UnknownTargetError, 'unknown target');
  await t.rejects(m.upgrade('rev0'), AmbiguousTargetError, 'ambiguous prefix');
  await t.rejects(m.upgrade('-1'), UnknownTargetError, 'relative down given to upgrade');
  await t.rejects(m.downgrade('nope0'), UnknownTargetError, 'unknown downgrade target');
  await t.rejects(m.downgrade(undefined as never), UnknownTargetError, 'missing downgrade target');
  await t.rejects(m.stamp('nope0'), UnknownTargetError, 'unknown stamp target');
  const branched = new Migrator({ orm, logger, revisions: [r('aaaa', []), r('bbbb', ['aaaa']), r('cccc', ['aaaa'])] });
  await t.rejects(branched.upgrade('head'), MultipleHeadsError, 'several heads for head');

  t.same(statements, [], 'not one statement was sent');
  t.same(await userTables(db), []);
});
