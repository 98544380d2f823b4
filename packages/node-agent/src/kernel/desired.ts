/**
 * desiredDataplane(state, node): what the node's kernel should hold, as pure data.
 *
 * Who is a peer (gets neighbour + FDB entries, for its gateway and its containers):
 * - ready nodes with a block, other than this one.
 * - not lost nodes: their containers are unreachable, and a stale FDB entry toward a dead
 *   LAN address blackholes traffic silently (the #1 complaint about Docker overlay). If a
 *   lost node rejoins it is ready again and its entries come back.
 * - not leaving nodes: `ovl leave` stopped their containers in the same decision, and the
 *   node is tearing its bridge down.
 * Who may send VXLAN packets to this node is wider (vxlan-filter.ts): every other node
 * that has not left, lost and leaving ones included, so that one coming back is never refused.
 * How each peer is reached is the cluster's routing mode, per peer (domain `peerPath`):
 * through VXLAN (neighbour + FDB entries for its gateway and containers) or directly (one
 * route for its block via its LAN address; ovl-br answers ARP for it by proxy).
 * Which containers hold their address in the dataplane: pending, running and exited (the
 * address is theirs until ContainerStopped); failed containers have nothing to reach and
 * their veth is removed.
 */
import { VXLAN_OVERHEAD, ipToInt, macFor, parseCidr, peerPath, routingModeOf, vethNameFor, type ClusterState, type ContainerRecord, type NodeRecord, type RoutingMode } from "@ovl/domain";
import { KernelError, KernelErrorCodes } from "./exec.js";
import { memberAddresses } from "./vxlan-filter.js";
import { BRIDGE, VXLAN } from "./names.js";
import type { DesiredNode, DirectRoute, LocalContainer, PublishedPort, RemoteEndpoint } from "./types.js";

const HOLDS_ADDRESS: ReadonlySet<ContainerRecord["state"]> = new Set(["pending", "running", "exited"]);

const byIp = <T extends { ip: string }>(a: T, b: T): number => ipToInt(a.ip) - ipToInt(b.ip);

/**
 * A container on networks other than `ovl` alone (`networks` set) has no place on ovl-br:
 * its first address lies in another network's range, and wiring it there would join it to
 * `ovl`'s segment. This dataplane has one bridge, so it wires no such container
 * (the runtime reports it failed: `unwiredNetworks`).
 */
export const onOvlOnly = (c: Pick<ContainerRecord, "networks">): boolean => c.networks === undefined;

function containersOf(node: NodeRecord): ContainerRecord[] {
  const all = Object.values(node.containers).filter((c) => HOLDS_ADDRESS.has(c.state) && onOvlOnly(c));
  // A Docker container claiming its reservation holds the address twice for one event: one entry.
  const named = new Set(all.filter((c) => c.origin !== "docker-ipam").map((c) => c.ip));
  return all.filter((c) => c.origin !== "docker-ipam" || !named.has(c.ip));
}

/** The peers this node has a path to (ready, with a block), split by the path the mode gives each. */
export function peersByPath(state: ClusterState, self: NodeRecord): { vxlan: NodeRecord[]; direct: NodeRecord[] } {
  const mode = routingModeOf(state.cluster);
  const peers = Object.values(state.nodes).filter((n) => n.name !== self.name && n.status === "ready" && n.subnet && n.gateway);
  return { vxlan: peers.filter((n) => peerPath(mode, self, n) === "vxlan"), direct: peers.filter((n) => peerPath(mode, self, n) === "direct") };
}

function routesOf(peers: readonly NodeRecord[], self: NodeRecord, dev: string): DirectRoute[] {
  return peers
    .map((n): DirectRoute => ({ dst: n.subnet!, via: n.underlayIp, dev, src: self.gateway! }))
    .sort((a, b) => ipToInt(a.dst.split("/")[0]!) - ipToInt(b.dst.split("/")[0]!));
}

function remotesOf(peers: readonly NodeRecord[]): RemoteEndpoint[] {
  return peers
    .flatMap((n): RemoteEndpoint[] => [
      { ip: n.gateway!, mac: macFor(n.gateway!), underlayIp: n.underlayIp, node: n.name, kind: "gateway" },
      ...containersOf(n).map((c): RemoteEndpoint => ({ ip: c.ip, mac: c.mac, underlayIp: n.underlayIp, node: n.name, kind: "container" })),
    ])
    .sort(byIp);
}

function portsOf(containers: readonly LocalContainer[]): PublishedPort[] {
  return containers.flatMap((c) =>
    c.ports.map((p): PublishedPort => ({
      proto: p.proto,
      hostPort: p.host,
      ...(p.hostIp ? { hostIp: p.hostIp } : {}),
      ip: c.ip,
      port: p.container,
      container: c.name,
    })),
  );
}

/** Linux interface names: at most 15 characters, none of them a slash, colon or blank. */
const IFACE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
export function parseIfaceName(raw: unknown): string {
  if (typeof raw !== "string" || !IFACE.test(raw)) {
    throw new KernelError(KernelErrorCodes.InvalidInput, `invalid interface name ${JSON.stringify(raw)}: 1-15 letters, digits, '_', '.' or '-'`);
  }
  return raw;
}

/** The node's dataplane, or null when it holds no block (not joined yet, or left). */
export function desiredDataplane(state: ClusterState, node: string, opts: { underlayIface: string; fastPath?: boolean }): DesiredNode | null {
  const self = state.nodes[node];
  const cluster = state.cluster;
  if (!cluster || !self || self.status === "left" || !self.subnet || !self.gateway) return null;
  parseIfaceName(opts.underlayIface);
  const prefix = parseCidr(cluster.cidr).prefix;
  const mode: RoutingMode = routingModeOf(cluster);
  const peers = peersByPath(state, self);
  const localContainers = containersOf(self)
    .map((c): LocalContainer => ({ name: c.name, ip: c.ip, mac: c.mac, veth: vethNameFor(c.ip), ports: c.ports }))
    .sort(byIp);
  return {
    cluster: { cidr: cluster.cidr, prefix, vni: cluster.vni, vxlanPort: cluster.vxlanPort, mtu: cluster.mtu, mode },
    node: { name: self.name, underlayIp: self.underlayIp, underlayIface: opts.underlayIface, subnet: self.subnet, gateway: self.gateway },
    bridge: { name: BRIDGE, address: `${self.gateway}/${prefix}`, mac: macFor(self.gateway), mtu: cluster.mtu, proxyArp: mode !== "vxlan" },
    // A direct cluster's MTU is the LAN's: its VXLAN device stays idle, at an MTU the LAN can carry.
    vxlan: { name: VXLAN, vni: cluster.vni, port: cluster.vxlanPort, local: self.underlayIp, dev: opts.underlayIface, mtu: mode === "direct" ? cluster.mtu - VXLAN_OVERHEAD : cluster.mtu },
    remotes: remotesOf(peers.vxlan),
    routes: routesOf(peers.direct, self, opts.underlayIface),
    localContainers,
    ports: portsOf(localContainers),
    members: memberAddresses(state, node),
    fastPath: opts.fastPath !== false,
  };
}
