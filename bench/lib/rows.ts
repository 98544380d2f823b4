/** Builds report rows from interleaved samples. */
import type { Row, Variant } from "./report-types.js";
import { ratio, summarize } from "./stats.js";

/** Raw samples are kept in the JSON up to this many; beyond, only the summary. */
const KEEP = 500;

export function variant(name: string, samples: readonly number[], extra?: Record<string, number>): Variant {
  return { name, summary: summarize(samples), samples: samples.length <= KEEP ? [...samples] : [], ...(extra ? { extra } : {}) };
}

/** Ratios of the first variant's median against each other variant ("ovl/LAN", "ovl/Swarm"). */
export function makeRow(r: Omit<Row, "ratios"> & { ratiosOf?: string }): Row {
  const base = r.variants.find((v) => v.name === (r.ratiosOf ?? r.variants[0]?.name));
  const ratios: Record<string, number | null> = {};
  for (const v of r.variants) if (base && v !== base) ratios[`${base.name}/${v.name}`] = ratio(base.summary, v.summary);
  const { ratiosOf: _drop, ...rest } = r;
  return { ...rest, ratios };
}
