/**
 * Whether `ALTER COLUMN … TYPE` rewrites the table. PostgreSQL skips the rewrite only when the
 * old type is binary coercible to the new one and the contents do not change; the changes listed
 * here are the ones known to qualify. Everything else counts as a rewrite: conservative, so a
 * safe change may be reported (silence it with a reason), a rewrite never passes unreported.
 */
export function rewritesTable(from: string, to: string): boolean {
  const a = normalType(from);
  const b = normalType(to);
  if (a.name === b.name && a.args.join() === b.args.join()) return false;
  // varchar(n) → varchar(m ≥ n), varchar, text; varchar ↔ text.
  if (a.name === 'varchar' && (b.name === 'text' || (b.name === 'varchar' && b.args.length === 0))) return false;
  if (a.name === 'text' && b.name === 'varchar' && b.args.length === 0) return false;
  if (a.name === 'varchar' && b.name === 'varchar') return a.args.length === 0 || b.args[0]! < a.args[0]!;
  // numeric(p, s) → numeric(q ≥ p, s), numeric.
  if (a.name === 'numeric' && b.name === 'numeric') {
    if (b.args.length === 0) return false;
    if (a.args.length === 0) return true;
    return (b.args[1] ?? 0) !== (a.args[1] ?? 0) || b.args[0]! < a.args[0]!;
  }
  // varbit(n) → varbit(m ≥ n), varbit; cidr → inet.
  if (a.name === 'varbit' && b.name === 'varbit')
    return a.args.length === 0 || (b.args.length > 0 && b.args[0]! < a.args[0]!);
  if (a.name === 'cidr' && b.name === 'inet') return false;
  return true;
}

const ALIASES: Record<string, string> = {
  'character varying': 'varchar',
  decimal: 'numeric',
  int: 'integer',
  int4: 'integer',
  int2: 'smallint',
  int8: 'bigint',
  'bit varying': 'varbit',
  bool: 'boolean',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  float8: 'double precision',
  float4: 'real',
};

export function normalType(type: string): { name: string; args: number[] } {
  const m = /^\s*([a-z][a-z0-9 _]*?)\s*(?:\(([^)]*)\))?\s*(\[\])?\s*$/i.exec(type);
  if (!m) return { name: type.trim().toLowerCase().replace(/\s+/g, ' '), args: [] };
  const base = m[1]!.toLowerCase().replace(/\s+/g, ' ');
  const name = (ALIASES[base] ?? base) + (m[3] ?? '');
  const args = (m[2] ?? '')
    .split(',')
    .filter((x) => x.trim() !== '')
    .map((x) => Number(x.trim()));
  return { name, args: args.some(Number.isNaN) ? [] : args };
}
