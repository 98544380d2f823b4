/**
 * How a node reaches another node's block, pure. A cluster has one routing mode, fixed at
 * creation: `vxlan` (every peer through the VXLAN device), `direct` (every peer's block
 * routed via its LAN address, no encapsulation; every node must share one LAN subnet) or
 * `auto` (direct to the peers on this node's LAN subnet, VXLAN to the others). A cluster
 * created before modes existed has none recorded: it is `vxlan`.
 */
import { contains, formatCidr, ipToInt, type Cidr } from "./ip.js";
import type { ClusterConfig, NodeRecord } from "./state.js";

/** VXLAN over IPv4 adds 50 bytes to every frame. */
export const VXLAN_OVERHEAD = 50;

export type RoutingMode = NonNullable<ClusterConfig["mode"]>;
export const ROUTING_MODES: readonly RoutingMode[] = ["vxlan", "direct", "auto"];
/** The path between two nodes: encapsulated, or routed on the LAN as it is. */
export type PeerPath = "vxlan" | "direct";

export const routingModeOf = (cluster: Pick<ClusterConfig, "mode"> | null | undefined): RoutingMode => cluster?.mode ?? "vxlan";

export const isRoutingMode = (raw: unknown): raw is RoutingMode => typeof raw === "string" && (ROUTING_MODES as readonly string[]).includes(raw);

/** A node's LAN address and the prefix length of its LAN subnet (absent: an agent that did not say). */
export type LanEnd = Pick<NodeRecord, "underlayIp" | "lanPrefix">;

const lanOf = (n: LanEnd): Cidr | null => {
  if (n.lanPrefix === undefined) return null;
  const mask = n.lanPrefix === 0 ? 0 : (0xffffffff << (32 - n.lanPrefix)) >>> 0;
  return { base: (ipToInt(n.underlayIp) & mask) >>> 0, prefix: n.lanPrefix };
};

/** The LAN subnet of a node, as a cidr; null when its prefix is unknown. */
export function lanSubnetOf(n: LanEnd): string | null {
  const lan = lanOf(n);
  return lan ? formatCidr(lan) : null;
}

/**
 * Whether two nodes can reach each other on the LAN without a router: each one's address
 * lies in the other's LAN subnet (so both send to each other on-link, whatever their
 * prefixes). Unknown prefixes: not the same LAN.
 */
export function sameLan(a: LanEnd, b: LanEnd): boolean {
  const la = lanOf(a);
  const lb = lanOf(b);
  return la !== null && lb !== null && contains(la, ipToInt(b.underlayIp)) && contains(lb, ipToInt(a.underlayIp));
}

/** The path from `self` to `peer` in a cluster of `mode`. */
export function peerPath(mode: RoutingMode, self: LanEnd, peer: LanEnd): PeerPath {
  if (mode === "vxlan") return "vxlan";
  if (mode === "direct") return "direct";
  return sameLan(self, peer) ? "direct" : "vxlan";
}

/**
 * How `self` reaches its peers (nodes with a block that have not left), in one word or a
 * few: "direct", "vxlan", or "direct, vxlan to n4,n5" when an auto cluster mixes both (the
 * VXLAN peers named, or counted beyond three). With no peer yet: the cluster's mode.
 */
export function pathSummary(mode: RoutingMode, self: LanEnd & Pick<NodeRecord, "name">, peers: readonly (LanEnd & Pick<NodeRecord, "name">)[]): string {
  const others = peers.filter((p) => p.name !== self.name);
  if (!others.length) return mode;
  const vxlan = others.filter((p) => peerPath(mode, self, p) === "vxlan").map((p) => p.name).sort();
  if (!vxlan.length) return "direct";
  if (vxlan.length === others.length) return "vxlan";
  return `direct, vxlan to ${vxlan.length > 3 ? `${vxlan.length} nodes` : vxlan.join(",")}`;
}

/**
 * The MTU rule: what the LAN must carry beyond the overlay's MTU. Only a cluster where no
 * packet is ever encapsulated (`direct`) can use the LAN's whole MTU; `auto` may send any
 * peer through VXLAN, so it keeps VXLAN's 50 bytes free like `vxlan`.
 */
export const mtuOverhead = (mode: RoutingMode): number => (mode === "direct" ? 0 : VXLAN_OVERHEAD);
