/**
 * SIMULATED runtime, for benchmarks and control-side tests only: it touches no kernel and
 * no Docker. It records every view it is given and reports each local container as running
 * once (per name and address), which is what a healthy node would answer.
 */
import type { ClusterState } from "@ovl/domain";
import { differs, localContainers, type ContainerReport, type NodeRuntime } from "./runtime.js";

export interface RecordedSync {
  readonly node: string;
  /** Names and addresses of the node's containers in the view, sorted by name. */
  readonly containers: readonly { readonly name: string; readonly ip: string; readonly state: string }[];
}

export class RecordingRuntime implements NodeRuntime {
  readonly simulated = true;
  readonly syncs: RecordedSync[] = [];
  teardowns = 0;
  private readonly reported = new Set<string>();

  /** `log` gets one line per sync. */
  constructor(private readonly opts: { node?: string; log?: (line: string) => void } = {}) {}

  async sync(state: ClusterState, node: string): Promise<ContainerReport[]> {
    const mine = localContainers(state, node);
    this.syncs.push({ node, containers: mine.map((c) => ({ name: c.name, ip: c.ip, state: c.state })) });
    this.opts.log?.(`simulated sync of ${node}: ${mine.length} container(s)`);
    const reports: ContainerReport[] = [];
    for (const c of mine) {
      const key = `${c.name}|${c.ip}`;
      const report: ContainerReport = { name: c.name, ip: c.ip, state: "running" };
      if (c.state === "pending" && !this.reported.has(key) && differs(c, report)) {
        this.reported.add(key);
        reports.push(report);
      }
    }
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
