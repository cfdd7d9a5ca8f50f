import { defineRevision, type Revision } from 'upshift';

export interface ChainOptions {
  /** Id prefix, so several chains can share a database. */
  prefix?: string;
  /** Each up() also inserts one row into side_effects: double application shows as two rows. */
  sideEffects?: boolean;
  /** 1-based position of a revision whose up() throws after its first statement. */
  failAt?: number;
  /** Each up() sleeps this long, to widen race windows. */
  delayMs?: number;
  /** Each down() sleeps this long. */
  downDelayMs?: number;
}

export function revisionId(prefix: string, i: number): string {
  return `${prefix}${String(i).padStart(4, '0')}`;
}

/** A linear chain of n revisions; revision i creates table t_<prefix><i> and drops it on down. */
export function chain(n: number, options: ChainOptions = {}): Revision[] {
  const prefix = options.prefix ?? 'rev';
  const revisions: Revision[] = [];
  for (let i = 1; i <= n; i++) {
    const id = revisionId(prefix, i);
    revisions.push(
      defineRevision({
        id,
        parents: i === 1 ? [] : [revisionId(prefix, i - 1)],
        message: `create t_${id}`,
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
        async up({ sql }) {
          if (i === 1 && options.sideEffects) await sql('create table side_effects (revision varchar(64) not null)');
          await sql(`create table t_${id} (id integer primary key)`);
          if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
          if (options.sideEffects) await sql('insert into side_effects (revision) values (?)', [id]);
          if (options.failAt === i) throw new Error(`revision ${id} fails on purpose`);
        },
        async down({ sql }) {
          await sql(`drop table t_${id}`);
          if (options.downDelayMs) await new Promise((r) => setTimeout(r, options.downDelayMs));
          if (options.sideEffects) await sql('delete from side_effects where revision = ?', [id]);
          if (i === 1 && options.sideEffects) await sql('drop table side_effects');
        },
      }),
    );
  }
  return revisions;
}

/**
 * A graph with a branch and a merge:
 *   base → b1 → (left, right) → merge → top
 */
export function branchAndMerge(): Revision[] {
  const make = (id: string, parents: string[], second: number) =>
    defineRevision({
      id,
      parents,
      message: `create t_${id}`,
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
      async up({ sql }) {
        await sql(`create table t_${id} (id integer primary key)`);
      },
      async down({ sql }) {
        await sql(`drop table t_${id}`);
      },
    });
  return [
    make('base0', [], 1),
    make('b1xx', ['base0'], 2),
    make('left', ['b1xx'], 3),
    make('right', ['b1xx'], 4),
    make('merge', ['left', 'right'], 5),
    make('top1', ['merge'], 6),
  ];
}
