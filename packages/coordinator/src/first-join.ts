/**
 * A cluster whose MTU nobody chose is created by the first join, not at start: its MTU is
 * what VXLAN leaves of that node's LAN MTU, or all of it in a direct cluster (domain `clusterMtuFor`). The coordinator then
 * queues a CreateCluster ahead of the first JoinNode it serves; both go through the one
 * pipeline in order, so the join is decided on the created cluster. Every coordinator uses
 * the same request id for it, so a second one (or a second join) is answered from the first
 * and appends nothing.
 */
import { clusterMtuFor, parseCommandData, routingModeOf, type ClusterConfig, type ClusterState } from "@ovl/domain";
import type { JobSpec } from "./pipeline/jobs.js";

export const CREATE_CLUSTER_ID = "create-cluster";

/** The job that creates the cluster from `settings`. */
export function createClusterJob(settings: ClusterConfig): JobSpec {
  const data = parseCommandData("CreateCluster", settings);
  return { id: CREATE_CLUSTER_ID, command: { type: "CreateCluster", data }, noop: () => ({ cluster: data }) };
}

/**
 * The CreateCluster to queue before `job`, or null: only for a join while no cluster exists
 * and the MTU is left to the first node (`pending`: the other settings). Pure.
 */
export function createBeforeJoin(job: JobSpec, pending: Omit<ClusterConfig, "mtu"> | null, state: ClusterState): JobSpec | null {
  if (!pending || state.cluster || job.command.type !== "JoinNode") return null;
  return createClusterJob({ ...pending, mtu: clusterMtuFor(job.command.data.lanMtu, routingModeOf(pending)) });
}
