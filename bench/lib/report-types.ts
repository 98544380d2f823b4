/** The report's data model: sections of rows, each row a set of summarized variants. */
import type { PairedRatio } from "./paired.js";
import type { Summary } from "./stats.js";

export interface Variant {
  readonly name: string;
  readonly summary: Summary;
  readonly samples: readonly number[];
  /** Anything else measured with it (CPU %, retransmits, ...), as median figures. */
  readonly extra?: Record<string, number>;
}

export interface Row {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  /** true: larger is better (throughput); false: smaller is better (time). */
  readonly higherIsBetter: boolean;
  readonly variants: readonly Variant[];
  /** Named ratios of medians, e.g. "ovl/LAN". */
  readonly ratios: Record<string, number | null>;
  /** Rows measured in paired rounds: the median of the per-round ratios with its 95% interval. */
  readonly paired?: Record<string, PairedRatio>;
  /** The machine was busy while this row was measured (load average, steal time). */
  readonly busy?: string;
  readonly note?: string;
  /** A target from the issue and whether it is met (null: not measurable here). */
  readonly target?: { readonly text: string; readonly met: boolean | null };
}

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly method: string;
  readonly rows: readonly Row[];
  /** Free lines: simulated labels, errors met, diagnostics. */
  readonly notes: readonly string[];
  readonly errors: readonly string[];
}
