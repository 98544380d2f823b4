/**
 * Which ovl paths a lab offers for the wire rows: "ovl direct" (the peer's block routed on
 * the LAN as it is) and "ovl VXLAN" (encapsulated), both from n1. One lab gives both when it
 * is an `auto` cluster with a peer beyond n1's LAN subnet: the bench's own lab puts its last
 * node's agent on a second subnet of the same lab bridge (198.18.1.0/24 beside
 * 198.18.0.0/24), so n1 reaches n2 directly and that node through VXLAN, in the same rounds,
 * through the same agents and kernel. A lab that is already up gives what its mode gives.
 */
import { execFileSync } from "node:child_process";
import { peerPath, routingModeOf, type ClusterState, type PeerPath } from "@ovl/domain";
import type { NodePlan } from "@ovl/lab";

/** The second subnet on the lab bridge: inside the lab's test range, beside its LAN 198.18.0.0/24. */
export const FAR_PREFIX = "198.18.1";
export const farIp = (n: Pick<NodePlan, "index">): string => `${FAR_PREFIX}.${10 + n.index}`;

/** The wire rows' variant name of an ovl path. */
export const ovlVariant = (p: PeerPath): string => (p === "direct" ? "ovl direct" : "ovl VXLAN");

/**
 * The commands that put `far` on the second subnet and give the other nodes an on-link route
 * to it (the same bridge carries both subnets; nothing routes between them but the nodes).
 */
export function farSubnetArgv(far: Pick<NodePlan, "index" | "ns">, others: readonly Pick<NodePlan, "ns">[]): string[][] {
  return [
    ["ip", "-n", far.ns, "addr", "add", `${farIp(far)}/24`, "dev", "eth0"],
    ...others.map((o) => ["ip", "-n", o.ns, "route", "add", `${FAR_PREFIX}.0/24`, "dev", "eth0"]),
  ];
}

/**
 * The agents' arguments of an `auto` lab whose last node is on the far subnet. The lab calls
 * this just before it starts each agent, after every node's namespace is made: the far
 * address and the routes to it are added then, before the far node's agent looks up its
 * interface from the address it is given.
 */
export function farAgentArgs(plans: readonly NodePlan[], stateDir: (n: NodePlan) => string): (n: NodePlan) => string[] {
  const far = plans[plans.length - 1]!;
  return (n) => {
    if (n.index === far.index) {
      for (const argv of farSubnetArgv(far, plans.filter((p) => p !== far))) execFileSync(argv[0]!, argv.slice(1), { stdio: "ignore" });
    }
    return ["agent", "--node", n.name, "--ip", n.index === far.index ? farIp(n) : n.lanIp, "--state-dir", stateDir(n)];
  };
}

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
