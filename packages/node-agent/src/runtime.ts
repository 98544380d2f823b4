/**
 * The seam between the agent (NATS, the fold, reports) and what a node does with its view
 * of the cluster. The agent hands every new view to `sync`; the runtime makes the node match
 * it and answers with what the state does not know yet (a container now running, failed or
 * exited). Reports that happen on their own (Docker restarted a container) go to `watch`.
 */
import type { ClusterState, ContainerRecord } from "@ovl/domain";

export interface ContainerReport {
  readonly name: string;
  readonly ip: string;
  readonly state: "running" | "failed" | "exited";
  readonly reason?: string;
  readonly exitCode?: number;
}

export interface SyncOptions {
  /** See NodeRuntime.sync. @default true */
  readonly full?: boolean;
  /**
   * Called with each report as soon as it is known, before the sync ends (a sync that
   * starts ten containers reports the first one running after its own start, not after
   * the tenth's). Every runtime calls it for every report it returns. @default none
   */
  readonly onReport?: (report: ContainerReport) => void;
}

export interface NodeRuntime {
  /**
   * Makes the node match the state's view of it; returns the reports that differ from the
   * state. `full: false` (a sync an event triggered) may trust what an earlier sync verified
   * and did not change (the kernel's firewall); the periodic sync is full. @default full
   */
  sync(state: ClusterState, node: string, opts?: SyncOptions): Promise<ContainerReport[]>;
  /** Removes every container ovl made on the node and the node's dataplane. */
  teardown(): Promise<void>;
  /** Follows changes that happen on their own; the returned function stops following. */
  watch?(emit: (report: ContainerReport) => void): () => void;
}

/** The containers of the node that hold their address: the ones a runtime must make real. */
export function localContainers(state: ClusterState, node: string): ContainerRecord[] {
  const self = state.nodes[node];
  if (!self || self.status !== "ready") return [];
  return Object.values(self.containers).sort((a, b) => a.name.localeCompare(b.name));
}

/** True when the report says something the state does not already record. */
export function differs(recorded: ContainerRecord | undefined, r: ContainerReport): boolean {
  if (!recorded || recorded.ip !== r.ip) return false;
  if (recorded.state !== r.state) return true;
  return r.state === "exited" && recorded.exitCode !== r.exitCode;
}

/** A stable key for de-duplicating reports in flight. */
export const reportKey = (r: ContainerReport): string => `${r.name}|${r.ip}|${r.state}|${r.exitCode ?? ""}`;
