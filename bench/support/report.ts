/**
 * Figures and goals: every scenario reports through here, so that the runner can print them as
 * they come and results.ts can write RESULTS.md from the same records.
 */
export interface Figure {
  scenario: string;
  dialect: string;
  name: string;
  value: number;
  unit: 'ms' | 'statements' | 'count' | 'ratio' | 'trials';
  detail?: string | undefined;
}

export interface Goal {
  scenario: string;
  dialect: string;
  goal: string;
  measured: string;
  pass: boolean | null; // null: not measurable in this run (say why in measured)
}

export interface Recorder {
  figure(f: Omit<Figure, 'scenario'>): void;
  goal(g: Omit<Goal, 'scenario'>): void;
  note(text: string): void;
}

export interface Results {
  figures: Figure[];
  goals: Goal[];
  notes: { scenario: string; text: string }[];
}

export function createResults(): Results {
  return { figures: [], goals: [], notes: [] };
}

export function recorder(results: Results, scenario: string): Recorder {
  return {
    figure(f) {
      results.figures.push({ scenario, ...f });
      const value = f.unit === 'ms' ? fmtMs(f.value) : f.unit === 'ratio' ? `${f.value.toFixed(2)}×` : String(f.value);
      console.log(
        `  [${f.dialect}] ${f.name}: ${value}${f.unit === 'statements' ? ' statement(s)' : ''}${f.detail ? `  (${f.detail})` : ''}`,
      );
    },
    goal(g) {
      results.goals.push({ scenario, ...g });
      const mark = g.pass === null ? 'N/A ' : g.pass ? 'PASS' : 'MISS';
      console.log(`  ${mark} [${g.dialect}] ${g.goal}: ${g.measured}`);
    },
    note(text) {
      results.notes.push({ scenario, text });
      console.log(`  note: ${text}`);
    },
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(0)} ms`;
}

/** A difference with its sign, "+3.2 ms" or "−51.9 ms": a boot can be faster than what it is compared to. */
export function fmtDelta(ms: number): string {
  return `${ms < 0 ? '−' : '+'}${fmtMs(Math.abs(ms))}`;
}

export function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}×`;
}

/**
 * Runs each contender once per round, in a freshly shuffled order each round, for `rounds`
 * rounds after `warmup` untimed rounds. Returns the timings per contender. A fixed or merely
 * rotating order would always put the same contender right after the same neighbour, and the
 * one after a garbage-heavy contender pays for its collections: measured here as up to 2× on a
 * sub-millisecond call. The shuffle is seeded, so runs are comparable.
 */
export async function interleave(
  contenders: Record<string, () => Promise<unknown>>,
  rounds: number,
  warmup = 1,
): Promise<Record<string, number[]>> {
  const names = Object.keys(contenders);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const random = seededRandom(0x5eed);
  for (let round = -warmup; round < rounds; round++) {
    for (const name of shuffled(names, random)) {
      const started = performance.now();
      await contenders[name]!();
      const took = performance.now() - started;
      if (round >= 0) times[name]!.push(took);
    }
  }
  return times;
}

/** mulberry32: a small deterministic generator, good enough to shuffle a handful of names. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export interface BenchOptions {
  quick: boolean;
  dialects: readonly ('postgresql' | 'sqlite' | 'mariadb')[];
}

export function parseArgs(argv: readonly string[]): BenchOptions {
  const only = argv.find((a) => a.startsWith('--db='))?.slice(5);
  return {
    quick: argv.includes('--quick'),
    dialects: only === 'postgresql' || only === 'sqlite' || only === 'mariadb' ? [only] : ['postgresql', 'sqlite'],
  };
}
