/**
 * Which ovl paths a lab offers for the wire rows: "ovl direct" (the peer's block routed on
 * the LAN as it is) and "ovl VXLAN" (encapsulated), both from n1. One lab gives both when it
 * is an `auto` cluster with a peer beyond n1's LAN subnet: the bench's own lab puts its last
 * node behind the lab's router (`routedNodes`, 198.18.1.0/24 beside 198.18.0.0/24), so n1
 * reaches n2 directly and that node through VXLAN, in the same rounds, through the same
 * agents and kernel. A lab that is already up gives what its mode gives.
 */
import { peerPath, routingModeOf, type ClusterState, type PeerPath } from "@ovl/domain";

/** The wire rows' variant name of an ovl path. */
export const ovlVariant = (p: PeerPath): string => (p === "direct" ? "ovl direct" : "ovl VXLAN");

/**
 * For each path kind, the first node (after `from`, in `order`) that `from` reaches that way,
 * from the cluster's recorded mode and the nodes' LAN subnets as their agents reported them.
 */
export function peersByPath(state: ClusterState, from: string, order: readonly string[]): Partial<Record<PeerPath, string>> {
  const self = state.nodes[from];
  if (!self) return {};
  const mode = routingModeOf(state.cluster);
  const out: Partial<Record<PeerPath, string>> = {};
  for (const name of order) {
    const peer = state.nodes[name];
    if (name === from || !peer || peer.status !== "ready" || !peer.subnet) continue;
    const p = peerPath(mode, self, peer);
    out[p] ??= name;
  }
  return out;
}
