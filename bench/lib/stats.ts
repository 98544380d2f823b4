/**
 * Summaries of repeated measurements. Every row of the report is a Summary of raw samples
 * (kept in report.json), so a reader can recompute any figure.
 */
import { rotation } from "./paired.js";
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly p99: number;
}

/** Nearest-rank percentile of sorted values (q in 0..1). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(values: readonly number[]): Summary {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return { n: 0, median: NaN, min: NaN, max: NaN, p99: NaN };
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { n: s.length, median, min: s[0]!, max: s[s.length - 1]!, p99: percentile(s, 0.99) };
}

/** A ratio of medians, or null when either side is missing. */
export const ratio = (a: Summary | undefined, b: Summary | undefined): number | null =>
  a && b && a.n > 0 && b.n > 0 && b.median !== 0 ? a.median / b.median : null;

/**
 * Runs each variant once per round, in an order that rotates from round to round (A B C,
 * B C A, C A B, ...), so that drift of the machine (thermal, other load) spreads over all
 * variants and none is always measured first or right after another. The sample lists stay
 * aligned by round: a failed sample is recorded as an error and as NaN in its round's place
 * (summaries skip it; a paired ratio leaves that round out), and the round goes on.
 */
export async function interleave<K extends string>(
  rounds: number,
  variants: readonly K[],
  measure: (variant: K, round: number) => Promise<number>,
  onError: (variant: K, err: Error) => void = () => undefined,
): Promise<Record<K, number[]>> {
  const out = Object.fromEntries(variants.map((v) => [v, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < rounds; r++) {
    for (const v of rotation(variants, r)) {
      try {
        out[v][r] = await measure(v, r);
      } catch (err) {
        out[v][r] = NaN;
        onError(v, err as Error);
      }
    }
  }
  return out;
}

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes. */
export const epochMs = (): number => performance.timeOrigin + performance.now();
