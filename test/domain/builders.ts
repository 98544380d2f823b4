/**
 * Builders for the domain tests: commands with fixed metadata and events with the values
 * the domain would compute, so a test reads as the history it describes.
 * The lab's address plan (packages/lab/src/plan.ts): nodes on 198.18.0.0/24, the overlay in
 * 198.19.0.0/18.
 */
import { macFor, type ClusterConfig, type CommandData, type CommandType, type OvlCommand, type OvlEvent, type PortMapping } from "@ovl/domain";

export const NOW = "2026-01-01T00:00:00.000Z";
export const REQ = "req-00000001";

/** The test cluster: 198.19.0.0/18 in /24 blocks (64 nodes, 253 addresses each). */
export const CLUSTER: ClusterConfig = { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 42, vxlanPort: 4789, mtu: 1450 };

export const cmd = <T extends CommandType>(type: T, data: CommandData<T>, now = NOW, requestId = REQ) =>
  ({ type, data, metadata: { now, requestId } }) as Extract<OvlCommand, { type: T }>;

/** Node n's LAN address in the lab: n1 -> 198.18.0.11. */
export const lan = (node: string): string => `198.18.0.${10 + Number(node.replace(/\D/g, "") || 0)}`;
export const block = (i: number): string => `198.19.${i}.0/24`;
export const gw = (i: number): string => `198.19.${i}.1`;

// Commands
export const createCluster = (config: Partial<ClusterConfig> = {}) => cmd("CreateCluster", { ...CLUSTER, ...config });
export const join = (node: string, underlayIp = lan(node), extra: { lanMtu?: number; agentVersion?: string } = {}) =>
  cmd("JoinNode", { node, underlayIp, agentVersion: extra.agentVersion ?? "0.1.0", ...(extra.lanMtu ? { lanMtu: extra.lanMtu } : {}) });
export const leave = (node: string) => cmd("LeaveNode", { node });
export const completeLeave = (node: string) => cmd("CompleteLeave", { node });
export const release = (node: string) => cmd("ReleaseNode", { node });
export const lose = (node: string, lastSeen: string | null = NOW) => cmd("LoseNode", { node, lastSeen });
export const start = (name: string, opts: { node?: string; image?: string; cmd?: string[]; ports?: PortMapping[]; aliases?: string[]; networks?: string[] } = {}) =>
  cmd("StartContainer", {
    name,
    ...(opts.node ? { node: opts.node } : {}),
    image: opts.image ?? "busybox",
    cmd: opts.cmd ?? [],
    ports: opts.ports ?? [],
    ...(opts.aliases ? { aliases: opts.aliases } : {}),
    ...(opts.networks ? { networks: opts.networks } : {}),
  });
export const rm = (name: string) => cmd("RemoveContainer", { name });
export const report = (node: string, name: string, ip: string, state: "running" | "failed" | "exited", extra: { reason?: string; exitCode?: number } = {}) =>
  cmd("ReportContainer", { node, name, ip, state, ...extra });

// Events
export const clusterCreated = (config: Partial<ClusterConfig> = {}): OvlEvent => ({ type: "ClusterCreated", data: { ...CLUSTER, ...config } });
export const joined = (node: string, underlayIp = lan(node), agentVersion = "0.1.0"): OvlEvent => ({ type: "NodeJoined", data: { node, underlayIp, agentVersion } });
export const subnetAssigned = (node: string, i: number): OvlEvent => ({ type: "SubnetAssigned", data: { node, subnet: block(i), gateway: gw(i) } });
/** Node `node`'s block of `network`: `subnet` a /24, its gateway the first address. */
export const networkBlock = (node: string, network: string, subnet: string): OvlEvent => ({
  type: "SubnetAssigned",
  data: { node, subnet, gateway: subnet.replace(/\.0\/\d+$/, ".1"), network },
});
export const networkCreated = (network: string, cidr: string, vni: number, opts: { internal?: boolean; blockPrefix?: number } = {}): OvlEvent => ({
  type: "NetworkCreated",
  data: { network, cidr, blockPrefix: opts.blockPrefix ?? 24, vni, internal: opts.internal ?? false },
});
export const networkRemoved = (network: string): OvlEvent => ({ type: "NetworkRemoved", data: { network } });
export const createNetwork = (network: string, opts: { cidr?: string; internal?: boolean } = {}) => cmd("CreateNetwork", { network, ...opts });
export const removeNetwork = (network: string) => cmd("RemoveNetwork", { network });
/** NodeJoined + SubnetAssigned: node n holds block i. */
export const member = (node: string, i: number, underlayIp = lan(node)): OvlEvent[] => [joined(node, underlayIp), subnetAssigned(node, i)];
export const leaving = (node: string): OvlEvent => ({ type: "NodeLeaving", data: { node, reason: "asked to leave" } });
export const left = (node: string, reason = "left the cluster"): OvlEvent => ({ type: "NodeLeft", data: { node, reason } });
export const lost = (node: string, lastSeen: string | null = NOW): OvlEvent => ({ type: "NodeLost", data: { node, lastSeen } });
export const recovered = (node: string, underlayIp = lan(node), agentVersion = "0.1.0"): OvlEvent => ({ type: "NodeRecovered", data: { node, underlayIp, agentVersion } });
export const started = (name: string, node: string, ip: string, opts: { image?: string; cmd?: string[]; ports?: PortMapping[]; aliases?: string[] } = {}): OvlEvent => ({
  type: "ContainerStarted",
  data: { name, node, ip, mac: macFor(ip), image: opts.image ?? "busybox", cmd: opts.cmd ?? [], ports: opts.ports ?? [], ...(opts.aliases ? { aliases: opts.aliases } : {}) },
});
export const running = (name: string, node: string, ip: string): OvlEvent => ({ type: "ContainerRunning", data: { name, node, ip } });
export const failed = (name: string, node: string, ip: string, reason = "image not found"): OvlEvent => ({ type: "ContainerFailed", data: { name, node, ip, reason } });
export const exited = (name: string, node: string, ip: string, exitCode = 0): OvlEvent => ({ type: "ContainerExited", data: { name, node, ip, exitCode } });
export const stopped = (name: string, node: string, ip: string, reason = "removed"): OvlEvent => ({ type: "ContainerStopped", data: { name, node, ip, reason } });

/** A cluster with nodes n1..nk, node i holding block i-1. */
export const cluster = (...nodes: string[]): OvlEvent[] => [clusterCreated(), ...nodes.flatMap((n, i) => member(n, i))];
