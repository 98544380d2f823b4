/** Builds report rows from interleaved samples. */
import type { Row, Variant } from "./report-types.js";
import { pairedRatio, type PairedRatio } from "./paired.js";
import { ratio, summarize } from "./stats.js";

/** Raw samples are kept in the JSON up to this many; beyond, only the summary. */
const KEEP = 500;

export function variant(name: string, samples: readonly number[], extra?: Record<string, number>): Variant {
  return { name, summary: summarize(samples), samples: samples.length <= KEEP ? [...samples] : [], ...(extra ? { extra } : {}) };
}

/**
 * Ratios of each base variant's median (`ratiosOf`, one name or several; default the first
 * variant) against every other variant ("ovl/LAN", "ovl/Swarm"; with two bases also the one
 * against the other, once), and, when the samples were taken in paired rounds (`paired`: each
 * list holds one sample per round, NaN where it failed), the median of the per-round ratios
 * with its 95% interval.
 */
export function makeRow(r: Omit<Row, "ratios" | "paired"> & { ratiosOf?: string | readonly string[]; paired?: boolean }): Row {
  const names = r.ratiosOf === undefined ? [r.variants[0]?.name] : typeof r.ratiosOf === "string" ? [r.ratiosOf] : r.ratiosOf;
  const bases = r.variants.filter((v) => names.includes(v.name));
  const ratios: Record<string, number | null> = {};
  const paired: Record<string, PairedRatio> = {};
  bases.forEach((base, i) => {
    for (const v of r.variants) {
      if (v === base || (bases.includes(v) && bases.indexOf(v) < i)) continue; // each pair of bases once
      ratios[`${base.name}/${v.name}`] = ratio(base.summary, v.summary);
      if (r.paired) paired[`${base.name}/${v.name}`] = pairedRatio(base.samples, v.samples, r.higherIsBetter);
    }
  });
  const { ratiosOf: _drop, paired: _p, ...rest } = r;
  return { ...rest, ratios, ...(r.paired ? { paired } : {}) };
}
