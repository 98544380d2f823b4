/**
 * Where the name service listens and which resolver a container gets, from the state: the
 * node's gateway of every network it holds a block of (the first address of the block, on
 * that network's bridge), and a container's gateway of its first network.
 */
import { attachmentsOf, blockOf, networksOf, type ClusterState, type ContainerRecord, type NodeRecord } from "@ovl/domain";

export interface Listening {
  readonly network: string;
  readonly gateway: string;
}

/** The node's gateways, `ovl` first then by network name; none while the node is leaving or has left. */
export function gatewaysOf(state: ClusterState, node: string): Listening[] {
  const self = state.nodes[node];
  if (!self || self.status === "left" || self.status === "leaving") return [];
  const out: Listening[] = [];
  for (const n of networksOf(state)) {
    const block = blockOf(self, n.name);
    if (block) out.push({ network: n.name, gateway: block.gateway });
  }
  return out;
}

/** The resolver of a container on `self`: the node's gateway of the container's first network, or null when the node has no block of it. */
export function resolverOf(self: NodeRecord | undefined, rec: Pick<ContainerRecord, "ip" | "mac" | "networks">): string | null {
  const first = attachmentsOf(rec)[0];
  return self && first ? (blockOf(self, first.network)?.gateway ?? null) : null;
}
