/**
 * Convergence: how far each node's kernel and Docker are behind the history. An agent says
 * in its heartbeat the sequence it has applied (every event up to it is reflected on the
 * node) and how long its recent events took from append (the envelope's time) to applied.
 * Pure functions of those numbers, for `ovl nodes`, `ovl status` and the TUI.
 */

/** What an agent's heartbeat says about applying the history. */
export interface ApplyReport {
  /** The highest sequence every event up to which the node has applied. */
  readonly appliedSeq: number;
  /** Append-to-applied times of its recent events (up to 100), in ms; absent before any. */
  readonly applyMs?: ApplyLatency;
}

export interface ApplyLatency {
  readonly last: number;
  readonly p50: number;
  readonly p99: number;
  /** How many recent events the percentiles are of. */
  readonly count: number;
}

/** The nearest-rank percentile `p` (0..100) of `values`; null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The summary a heartbeat carries of the recent latencies (oldest first); null when none. */
export function applyLatencyOf(recent: readonly number[]): ApplyLatency | null {
  if (recent.length === 0) return null;
  const round = (n: number) => Math.max(0, Math.round(n));
  return { last: round(recent[recent.length - 1]!), p50: round(percentile(recent, 50)!), p99: round(percentile(recent, 99)!), count: recent.length };
}

/** Events a node is behind the stream's last sequence; null when it did not say. */
export const lagOf = (appliedSeq: number | null | undefined, lastSeq: number): number | null =>
  appliedSeq === null || appliedSeq === undefined ? null : Math.max(0, lastSeq - appliedSeq);

/** One node as the convergence line sees it. */
export interface NodeLag {
  readonly name: string;
  readonly status: string;
  /** Events behind; null when its agent never said (an older agent, or no heartbeat yet). */
  readonly lag: number | null;
}

export interface Convergence {
  readonly converged: boolean;
  /** Ready nodes behind, or whose lag is unknown. */
  readonly behind: readonly NodeLag[];
  /** One line for people: "converged at seq 42 (3 nodes)" or which nodes are behind. */
  readonly line: string;
}

/** Whether every ready node has applied the whole history. Pure. */
export function convergenceOf(nodes: readonly NodeLag[], lastSeq: number): Convergence {
  const ready = nodes.filter((n) => n.status === "ready");
  const behind = ready.filter((n) => n.lag === null || n.lag > 0);
  if (behind.length === 0) return { converged: true, behind, line: `converged at seq ${lastSeq} (${ready.length} ready node${ready.length === 1 ? "" : "s"})` };
  const says = behind.map((n) => (n.lag === null ? `${n.name} (lag unknown)` : `${n.name} (${n.lag} event${n.lag === 1 ? "" : "s"} behind)`));
  return { converged: false, behind, line: `not converged at seq ${lastSeq}: ${says.join(", ")}` };
}
