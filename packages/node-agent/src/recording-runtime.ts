/**
 * SIMULATED runtime, for benchmarks and control-side tests only: it touches no kernel and
 * no Docker. It records the views it is given (the last `keep`, and a count of all) and
 * reports each local container as running once (per name and address), which is what a
 * healthy node would answer, and again on a full sync while the view still holds it pending,
 * as the real runtime does: a coordinator whose projection had not yet folded the start
 * answers such a report with nothing, and only a later report makes it running. Both records
 * are bounded, so that a long soak measures the agent's memory and not this recorder's.
 */
import type { ClusterState } from "@ovl/domain";
import { differs, localContainers, type ContainerReport, type NodeRuntime, type SyncOptions } from "./runtime.js";

export interface RecordedSync {
  readonly node: string;
  /** Names and addresses of the node's containers in the view, sorted by name. */
  readonly containers: readonly { readonly name: string; readonly ip: string; readonly state: string }[];
}

export class RecordingRuntime implements NodeRuntime {
  readonly simulated = true;
  /** The last `keep` views, oldest first. */
  readonly syncs: RecordedSync[] = [];
  /** Every sync since construction. */
  syncCount = 0;
  teardowns = 0;
  /** name|ip of the containers in the last view already reported running. */
  private reported = new Set<string>();

  /** `log` gets one line per sync; `keep` views are recorded (default 100). */
  constructor(private readonly opts: { node?: string; log?: (line: string) => void; keep?: number } = {}) {}

  async sync(state: ClusterState, node: string, opts: SyncOptions = {}): Promise<ContainerReport[]> {
    const mine = localContainers(state, node);
    this.syncCount++;
    this.syncs.push({ node, containers: mine.map((c) => ({ name: c.name, ip: c.ip, state: c.state })) });
    if (this.syncs.length > (this.opts.keep ?? 100)) this.syncs.shift();
    this.opts.log?.(`simulated sync of ${node}: ${mine.length} container(s)`);
    const reports: ContainerReport[] = [];
    // Only the containers of this view are remembered: one removed and started again under
    // the same name and address is pending again, and is reported again.
    const still = new Set<string>();
    for (const c of mine) {
      const key = `${c.name}|${c.ip}`;
      const report: ContainerReport = { name: c.name, ip: c.ip, state: "running" };
      if (this.reported.has(key) && !(opts.full && c.state === "pending")) still.add(key);
      else if (c.state === "pending" && differs(c, report)) (reports.push(report), still.add(key));
    }
    this.reported = still;
    reports.forEach((r) => opts.onReport?.(r));
    return reports;
  }

  async teardown(): Promise<void> {
    this.teardowns++;
    this.reported.clear();
  }

  /** The last view recorded, or undefined. */
  last(): RecordedSync | undefined {
    return this.syncs[this.syncs.length - 1];
  }
}
