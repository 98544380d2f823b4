/**
 * Networks as pure functions of the state. The cluster's own network `ovl` is implied by
 * ClusterCreated (its VNI, its range: the cluster cidr, its blocks: each node's `subnet`),
 * so a history made before networks existed reads exactly as it did. Every other network
 * is a NetworkCreated: its own VNI and range, and a block of it per member node
 * (`NodeRecord.blocks`). Ranges never overlap, so an address names its network.
 */
import { DEFAULT_NETWORK } from "./defaults.js";
import { blockAt, blockCount, firstContainerIp, formatCidr, gatewayOf, intToIp, ipToInt, lastContainerIp, overlaps, parseCidr, type Cidr } from "./ip.js";
import type { Attachment, ClusterConfig, ClusterState, ContainerRecord, NetworkBlock, NodeRecord } from "./state.js";

/** What every part needs to know of one network, `ovl` included. */
export interface NetworkInfo {
  readonly name: string;
  readonly cidr: string;
  readonly blockPrefix: number;
  readonly vni: number;
  readonly internal: boolean;
}

export const defaultNetworkOf = (cluster: ClusterConfig): NetworkInfo => ({
  name: DEFAULT_NETWORK,
  cidr: cluster.cidr,
  blockPrefix: cluster.blockPrefix,
  vni: cluster.vni,
  internal: false,
});

/** Every network of the cluster, `ovl` first, then by name (code units: the same in every locale). */
export function networksOf(state: ClusterState): NetworkInfo[] {
  if (!state.cluster) return [];
  const made = Object.values(state.networks ?? {})
    .map(({ name, cidr, blockPrefix, vni, internal }) => ({ name, cidr, blockPrefix, vni, internal }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [defaultNetworkOf(state.cluster), ...made];
}

export function findNetwork(state: ClusterState, name: string): NetworkInfo | undefined {
  if (!state.cluster) return undefined;
  if (name === DEFAULT_NETWORK) return defaultNetworkOf(state.cluster);
  const n = state.networks && Object.hasOwn(state.networks, name) ? state.networks[name] : undefined;
  return n && { name: n.name, cidr: n.cidr, blockPrefix: n.blockPrefix, vni: n.vni, internal: n.internal };
}

/** The networks a container is on, with its address on each; the first is its `ip`. */
export const attachmentsOf = (c: Pick<ContainerRecord, "ip" | "mac" | "networks">): readonly Attachment[] =>
  c.networks ?? [{ network: DEFAULT_NETWORK, ip: c.ip, mac: c.mac }];

export const isOn = (c: Pick<ContainerRecord, "ip" | "mac" | "networks">, network: string): boolean =>
  attachmentsOf(c).some((a) => a.network === network);

/** A node's block of a network, or null when it has none (yet). */
export function blockOf(node: NodeRecord, network: string): NetworkBlock | null {
  if (network === DEFAULT_NETWORK) return node.subnet && node.gateway ? { subnet: node.subnet, gateway: node.gateway } : null;
  return node.blocks?.[network] ?? null;
}

/** The lowest block of a network's range that no member node holds and no other range overlaps. */
export function lowestFreeBlockOf(range: Cidr, blockPrefix: number, taken: ReadonlySet<string>, avoid: readonly Cidr[]): NetworkBlock | null {
  const count = blockCount(range, blockPrefix);
  for (let i = 0; i < count; i++) {
    const block = blockAt(range, blockPrefix, i);
    const subnet = formatCidr(block);
    if (!taken.has(subnet) && !avoid.some((r) => overlaps(r, block))) return { subnet, gateway: intToIp(gatewayOf(block)) };
  }
  return null;
}

/** The ranges of the networks other than `ovl`: the blocks of `ovl` (the cluster cidr) go around them. */
export const madeRanges = (state: ClusterState): Cidr[] => Object.values(state.networks ?? {}).map((n) => parseCidr(n.cidr));

/**
 * The lowest address of the node's block of `network` that none of its containers holds
 * there. A scan of the node's containers: a node holds at most a few blocks' worth.
 */
export function lowestFreeAddressOn(node: NodeRecord, network: string): string | null {
  const block = blockOf(node, network);
  if (!block) return null;
  const cidr = parseCidr(block.subnet);
  const used = new Set<number>();
  for (const name in node.containers) {
    for (const a of attachmentsOf(node.containers[name]!)) if (a.network === network) used.add(ipToInt(a.ip));
  }
  for (let ip = firstContainerIp(cidr); ip <= lastContainerIp(cidr); ip++) if (!used.has(ip)) return intToIp(ip);
  return null;
}

/** A row of `ovl network ls --json`: a contract scripts rely on (docs/networks.md). */
export interface NetworkRow {
  readonly name: string;
  readonly cidr: string;
  readonly vni: number;
  readonly internal: boolean;
  readonly blockPrefix: number;
  /** Member nodes that hold a block of it. */
  readonly nodes: number;
  readonly containers: number;
  /**
   * The other networks' ranges that lie inside this one's, sorted: its blocks go around them.
   * For `ovl`, whose range is the cluster cidr, these are the networks taken from it, so
   * its row says what `ovl` really keeps.
   */
  readonly excludes: readonly string[];
}

/** The ranges of other networks inside `cidr`. */
function excludedFrom(all: readonly NetworkInfo[], self: NetworkInfo): string[] {
  const outer = parseCidr(self.cidr);
  return all
    .filter((n) => n.name !== self.name)
    .map((n) => parseCidr(n.cidr))
    .filter((c) => c.prefix > outer.prefix && overlaps(c, outer))
    .sort((a, b) => a.base - b.base)
    .map(formatCidr);
}

export function networkRows(state: ClusterState): NetworkRow[] {
  const members = Object.values(state.nodes).filter((n) => n.status !== "left");
  const all = networksOf(state);
  return all.map((n) => {
    let containers = 0;
    for (const node of members) for (const c in node.containers) if (isOn(node.containers[c]!, n.name)) containers++;
    return { ...n, nodes: members.filter((node) => blockOf(node, n.name)).length, containers, excludes: excludedFrom(all, n) };
  });
}
