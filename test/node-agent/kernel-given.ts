/**
 * A cluster state for kernel tests, made the way the coordinator makes it: commands through
 * the domain's decide, events through evolve. Cluster 198.19.0.0/18 in /24 blocks.
 */
import { decide, emptyState, evolve, type ClusterState, type OvlCommand } from "@ovl/domain";

let n = 0;
const meta = () => ({ now: "2025-01-01T00:00:00Z", requestId: `req-kernel-${String(++n).padStart(4, "0")}` });

type Cmd = { [K in OvlCommand["type"]]: { type: K; data: Extract<OvlCommand, { type: K }>["data"] } }[OvlCommand["type"]];

export function given(commands: readonly Cmd[], from: ClusterState = emptyState): ClusterState {
  let state = from;
  for (const c of commands) {
    for (const e of decide({ ...c, metadata: meta() } as OvlCommand, state)) state = evolve(state, e, { time: "2025-01-01T00:00:00Z" });
  }
  return state;
}

export const CLUSTER: Cmd = { type: "CreateCluster", data: { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 42, vxlanPort: 4789, mtu: 1450 } };
export const join = (node: string, underlayIp: string): Cmd => ({ type: "JoinNode", data: { node, underlayIp, agentVersion: "test" } });
export const start = (name: string, node: string, ports: { host: number; container: number; proto: "tcp" | "udp"; hostIp?: string }[] = []): Cmd => ({
  type: "StartContainer",
  data: { name, node, image: "busybox", cmd: [], ports },
});
export const report = (node: string, name: string, ip: string, state: "running" | "failed" | "exited"): Cmd => ({
  type: "ReportContainer",
  data: { node, name, ip, state, ...(state === "failed" ? { reason: "boom" } : {}) },
});
