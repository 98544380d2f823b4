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
import { DEFAULT_NETWORK, VXLAN_OVERHEAD, attachmentsOf, blockOf, ipToInt, macFor, parseCidr, peerPath, routingModeOf, vethNameFor, type ClusterState, type ContainerRecord, type NodeRecord, type RoutingMode } from "@ovl/domain";
import { KernelError, KernelErrorCodes } from "./exec.js";
import { memberAddresses } from "./vxlan-filter.js";
import { BRIDGE, VXLAN, netBridgeName, netVxlanName } from "./names.js";
import type { DesiredNetwork, DesiredNode, DirectRoute, LocalContainer, PublishedPort, RemoteEndpoint } from "./types.js";

const HOLDS_ADDRESS: ReadonlySet<ContainerRecord["state"]> = new Set(["pending", "running", "exited"]);

const byIp = <T extends { ip: string }>(a: T, b: T): number => ipToInt(a.ip) - ipToInt(b.ip);

/** A container's interface on one network: its address and MAC there. */
export interface Held {
  readonly rec: ContainerRecord;
  readonly ip: string;
  readonly mac: string;
}

/** The containers of a node that hold an address on `network`, with that address. */
export function heldOn(node: NodeRecord, network: string): Held[] {
  const all = Object.values(node.containers).filter((c) => HOLDS_ADDRESS.has(c.state));
  // A Docker container claiming its reservation holds the address twice for one event: one entry.
  const named = new Set(all.filter((c) => c.origin !== "docker-ipam").flatMap((c) => attachmentsOf(c).map((a) => a.ip)));
  return all
    .filter((c) => c.origin !== "docker-ipam" || !named.has(c.ip))
    .flatMap((c) => attachmentsOf(c).filter((a) => a.network === network).map((a): Held => ({ rec: c, ip: a.ip, mac: a.mac })));
}

/** A container's interface on a network; the ports are published on its first network's address only. */
export const localOf = (h: Held): LocalContainer => ({ name: h.rec.name, ip: h.ip, mac: h.mac, veth: vethNameFor(h.ip), ports: h.ip === h.rec.ip ? h.rec.ports : [] });

/** The peers this node has a path to (ready, with a block), split by the path the mode gives each. */
export function peersByPath(state: ClusterState, self: NodeRecord): { vxlan: NodeRecord[]; direct: NodeRecord[] } {
  const mode = routingModeOf(state.cluster);
  const peers = Object.values(state.nodes).filter((n) => n.name !== self.name && n.status === "ready" && n.subnet && n.gateway);
  return { vxlan: peers.filter((n) => peerPath(mode, self, n) === "vxlan"), direct: peers.filter((n) => peerPath(mode, self, n) === "direct") };
}

/** Routes to the peers' blocks of `network` (their LAN addresses), with this node's gateway on it as source. */
export function routesOf(peers: readonly NodeRecord[], self: NodeRecord, dev: string, network = DEFAULT_NETWORK): DirectRoute[] {
  const src = blockOf(self, network)?.gateway;
  if (!src) return [];
  return peers.flatMap((n): DirectRoute[] => {
    const b = blockOf(n, network);
    return b ? [{ dst: b.subnet, via: n.underlayIp, dev, src }] : [];
  });
}

export const byDst = (a: DirectRoute, b: DirectRoute): number => ipToInt(a.dst.split("/")[0]!) - ipToInt(b.dst.split("/")[0]!);

/** The peers' gateways and containers on `network` (the peers that hold a block of it). */
export function remotesOf(peers: readonly NodeRecord[], network = DEFAULT_NETWORK): RemoteEndpoint[] {
  return peers
    .flatMap((n): RemoteEndpoint[] => {
      const b = blockOf(n, network);
      if (!b) return [];
      return [
        { ip: b.gateway, mac: macFor(b.gateway), underlayIp: n.underlayIp, node: n.name, kind: "gateway" },
        ...heldOn(n, network).map((c): RemoteEndpoint => ({ ip: c.ip, mac: c.mac, underlayIp: n.underlayIp, node: n.name, kind: "container" })),
      ];
    })
    .sort(byIp);
}

export function portsOf(containers: readonly LocalContainer[]): PublishedPort[] {
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

const byBase = (a: string, b: string): number => ipToInt(a.split("/")[0]!) - ipToInt(b.split("/")[0]!);

/** The range of every network made with `ovl network create`, sorted. */
export function networkRanges(state: ClusterState): string[] {
  return Object.values(state.networks ?? {}).map((n) => n.cidr).sort(byBase);
}

/** The networks this node holds a block of, by VNI, with their devices, peers and containers. Pure. */
export function desiredNetworks(state: ClusterState, self: NodeRecord, peers: { vxlan: readonly NodeRecord[] }, underlayIface: string): DesiredNetwork[] {
  const cluster = state.cluster!;
  const mode = routingModeOf(cluster);
  return Object.values(state.networks ?? {})
    .sort((a, b) => a.vni - b.vni)
    .flatMap((n): DesiredNetwork[] => {
      const block = blockOf(self, n.name);
      if (!block) return [];
      return [{
        name: n.name,
        cidr: n.cidr,
        internal: n.internal,
        subnet: block.subnet,
        gateway: block.gateway,
        bridge: { name: netBridgeName(n.vni), address: `${block.gateway}/${parseCidr(n.cidr).prefix}`, mac: macFor(block.gateway), mtu: cluster.mtu, proxyArp: mode !== "vxlan" },
        vxlan: { name: netVxlanName(n.vni), vni: n.vni, port: cluster.vxlanPort, local: self.underlayIp, dev: underlayIface, mtu: mode === "direct" ? cluster.mtu - VXLAN_OVERHEAD : cluster.mtu },
        remotes: remotesOf(peers.vxlan, n.name),
        localContainers: heldOn(self, n.name).map(localOf).sort((a, b) => ipToInt(a.ip) - ipToInt(b.ip)),
      }];
    });
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
  const localContainers = heldOn(self, DEFAULT_NETWORK).map(localOf).sort(byIp);
  const networks = desiredNetworks(state, self, peers, opts.underlayIface);
  const ranges = networkRanges(state);
  return {
    cluster: { cidr: cluster.cidr, prefix, vni: cluster.vni, vxlanPort: cluster.vxlanPort, mtu: cluster.mtu, mode },
    node: { name: self.name, underlayIp: self.underlayIp, underlayIface: opts.underlayIface, subnet: self.subnet, gateway: self.gateway },
    bridge: { name: BRIDGE, address: `${self.gateway}/${prefix}`, mac: macFor(self.gateway), mtu: cluster.mtu, proxyArp: mode !== "vxlan" },
    // A direct cluster's MTU is the LAN's: its VXLAN device stays idle, at an MTU the LAN can carry.
    vxlan: { name: VXLAN, vni: cluster.vni, port: cluster.vxlanPort, local: self.underlayIp, dev: opts.underlayIface, mtu: mode === "direct" ? cluster.mtu - VXLAN_OVERHEAD : cluster.mtu },
    remotes: remotesOf(peers.vxlan),
    routes: [...routesOf(peers.direct, self, opts.underlayIface), ...networks.flatMap((n) => routesOf(peers.direct, self, opts.underlayIface, n.name))].sort(byDst),
    localContainers,
    // A container whose first network is another one publishes its ports on that address (localOf).
    ports: portsOf([...localContainers, ...networks.flatMap((n) => n.localContainers)]),
    members: memberAddresses(state, node),
    fastPath: opts.fastPath !== false,
    ...(networks.length ? { networks } : {}),
    ...(ranges.length ? { networkRanges: ranges } : {}),
  };
}
