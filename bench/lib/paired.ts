/**
 * Paired comparisons that survive a rerun on a machine whose speed swings by half between
 * hours. Each round measures every variant once (in an order that rotates from round to
 * round), so a round's ratio compares samples taken minutes apart under the same load; the
 * headline is the median of those per-round ratios with a 95% bootstrap interval over the
 * rounds. A ratio of medians from all rounds pooled mixes a fast hour's ovl with a slow
 * hour's Swarm and can show a winner that a rerun does not find.
 */

/** The order of the variants in round `round`: the list rotated by the round number. */
export function rotation<K>(variants: readonly K[], round: number): K[] {
  const n = variants.length;
  if (n === 0) return [];
  const k = ((round % n) + n) % n;
  return [...variants.slice(k), ...variants.slice(0, k)];
}

/** Per-round ratios a/b of two aligned sample lists; rounds where either failed (NaN) are left out. */
export function perRoundRatios(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!, y = b[i]!;
    if (Number.isFinite(x) && Number.isFinite(y) && y !== 0) out.push(x / y);
  }
  return out;
}

export function median(values: readonly number[]): number {
  const s = values.filter(Number.isFinite).sort((x, y) => x - y);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * A small deterministic generator (mulberry32): the same samples give the same interval on
 * every run and in the test; the seed is not a tuning knob.
 */
export function seededRandom(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = Math.imul(t ^ (t >>> 15), 1 | t);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Interval {
  readonly lo: number;
  readonly hi: number;
}

/**
 * Percentile bootstrap of the median over rounds: resample the rounds with replacement
 * `iterations` times, take each resample's median, and return the 2.5th and 97.5th
 * percentiles of those medians.
 */
export function bootstrapMedianInterval(values: readonly number[], iterations = 4000, seed = 1): Interval {
  const xs = values.filter(Number.isFinite);
  if (xs.length === 0) return { lo: NaN, hi: NaN };
  const rand = seededRandom(seed);
  const medians = new Float64Array(iterations);
  const draw = new Array<number>(xs.length);
  for (let i = 0; i < iterations; i++) {
    for (let j = 0; j < xs.length; j++) draw[j] = xs[Math.floor(rand() * xs.length)]!;
    medians[i] = median(draw);
  }
  medians.sort();
  const at = (q: number) => medians[Math.min(iterations - 1, Math.max(0, Math.round(q * (iterations - 1))))]!;
  return { lo: at(0.025), hi: at(0.975) };
}

export type Verdict = "better" | "worse" | "no difference shown";

/**
 * What an interval of a ratio numerator/denominator says about the numerator: an interval
 * that contains 1.0 shows no difference, whatever its median.
 */
export function verdictOf(interval: Interval, higherIsBetter: boolean): Verdict {
  if (!Number.isFinite(interval.lo) || !Number.isFinite(interval.hi)) return "no difference shown";
  if (interval.lo <= 1 && interval.hi >= 1) return "no difference shown";
  const above = interval.lo > 1;
  return above === higherIsBetter ? "better" : "worse";
}

export interface PairedRatio {
  /** Median of the per-round ratios. */
  readonly median: number;
  readonly lo: number;
  readonly hi: number;
  /** Rounds in which both variants gave a sample. */
  readonly rounds: number;
  readonly perRound: readonly number[];
  readonly verdict: Verdict;
}

export function pairedRatio(a: readonly number[], b: readonly number[], higherIsBetter: boolean): PairedRatio {
  const perRound = perRoundRatios(a, b);
  const interval = bootstrapMedianInterval(perRound);
  return { median: median(perRound), ...interval, rounds: perRound.length, perRound, verdict: verdictOf(interval, higherIsBetter) };
}

/** "1.04x [0.97-1.10], no difference shown" */
export function describePaired(p: PairedRatio | null | undefined): string {
  if (!p || p.rounds === 0) return "–";
  const x = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "–");
  return `${x(p.median)}x [${x(p.lo)}–${x(p.hi)}], ${p.verdict}`;
}
