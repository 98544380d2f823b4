/**
 * The rules of networks, pure: `ovl network create` and `rm`, the blocks a node gets of
 * each network, and the networks a new container goes on. A broken rule throws a typed
 * OvlError and decides nothing.
 */
import type { CreateNetwork, RemoveNetwork } from "./commands.js";
import { DEFAULT_NETWORK } from "./defaults.js";
import { OvlError, OvlErrorCodes as C, type OvlErrorCode } from "./errors.js";
import type { OvlEvent, SubnetAssigned } from "./events.js";
import { blockAt, blockCount, contains, formatCidr, ipToInt, overlaps, parseCidr, type Cidr } from "./ip.js";
import { attachmentsOf, findNetwork, lowestFreeBlockOf, madeRanges, type NetworkInfo } from "./networks.js";
import { allContainers, memberNodes } from "./queries.js";
import type { ClusterConfig, ClusterState, NetworkRecord, NodeRecord } from "./state.js";

const fail = (code: OvlErrorCode, message: string): never => {
  throw new OvlError(code, message);
};

/** A node as far as its blocks go: a node about to join has none. */
type NodeBlocks = Pick<NodeRecord, "name" | "blocks">;

const MAX_VNI = 16777215;
/** The smallest range a network may have: a /28, in blocks of /30 (one container each). */
const MAX_NETWORK_PREFIX = 28;

/** A network's block size: the cluster's, or smaller so that its range holds at least 16 nodes. */
export const networkBlockPrefix = (cluster: ClusterConfig, prefix: number): number => Math.min(30, Math.max(cluster.blockPrefix, prefix + 4));

/** The blocks of `ovl` in use: a new range must not take one. */
const heldDefaultBlocks = (state: ClusterState): Cidr[] => memberNodes(state).flatMap((n) => (n.subnet ? [parseCidr(n.subnet)] : []));

/** The first thing a range would overlap, said for a person; null when it is free. */
function overlapOf(state: ClusterState, range: Cidr): string | null {
  for (const n of Object.values(state.networks ?? {})) if (overlaps(parseCidr(n.cidr), range)) return `network ${n.name}'s range ${n.cidr}`;
  for (const n of memberNodes(state)) {
    if (n.subnet && overlaps(parseCidr(n.subnet), range)) return `node ${n.name}'s block ${n.subnet} of network ${DEFAULT_NETWORK}`;
    if (contains(range, ipToInt(n.underlayIp))) return `node ${n.name}'s LAN address ${n.underlayIp}`;
  }
  return null;
}

/** The highest free range of the cluster cidr for a new network: `ovl` hands its blocks out from the bottom. */
function freeRange(cluster: ClusterConfig, state: ClusterState): Cidr | null {
  const cidr = parseCidr(cluster.cidr);
  const prefix = Math.min(cluster.blockPrefix, Math.max(cidr.prefix + 1, cluster.blockPrefix - 4));
  for (let i = blockCount(cidr, prefix) - 1; i >= 0; i--) {
    const range = blockAt(cidr, prefix, i);
    if (overlapOf(state, range) === null) return range;
  }
  return null;
}

function lowestFreeVni(cluster: ClusterConfig, state: ClusterState): number | null {
  const used = new Set([cluster.vni, ...Object.values(state.networks ?? {}).map((n) => n.vni)]);
  for (let vni = 1; vni <= MAX_VNI; vni++) if (!used.has(vni)) return vni;
  return null;
}

function rangeFor(cluster: ClusterConfig, state: ClusterState, data: CreateNetwork["data"]): Cidr {
  if (data.cidr === undefined) {
    return freeRange(cluster, state) ?? fail(C.NetworksExhausted, `no free range left in the cluster network ${cluster.cidr} for network ${data.network}: give one with --cidr`);
  }
  const range = parseCidr(data.cidr);
  if (range.prefix > MAX_NETWORK_PREFIX) fail(C.InvalidInput, `network ${data.network}: range ${data.cidr} is too small; give at least a /${MAX_NETWORK_PREFIX}`);
  const overlap = overlapOf(state, range);
  if (overlap) fail(C.NetworkOverlap, `network ${data.network}: range ${data.cidr} overlaps ${overlap}; give a range that overlaps no other (see \`ovl network ls\`)`);
  return range;
}

/**
 * The blocks of `network` the member nodes lack, lowest free first, nodes by name. A node
 * whose block the range cannot hold gets none: it takes no container of that network.
 */
export function missingBlocks(state: ClusterState, network: Pick<NetworkRecord, "name" | "cidr" | "blockPrefix">, nodes: readonly NodeBlocks[] = memberNodes(state)): SubnetAssigned[] {
  const range = parseCidr(network.cidr);
  const taken = new Set(memberNodes(state).flatMap((n) => (n.blocks?.[network.name] ? [n.blocks[network.name]!.subnet] : [])));
  const events: SubnetAssigned[] = [];
  for (const node of [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (node.blocks?.[network.name]) continue;
    const block = lowestFreeBlockOf(range, network.blockPrefix, taken, []);
    if (!block) break;
    taken.add(block.subnet);
    events.push({ type: "SubnetAssigned", data: { node: node.name, subnet: block.subnet, gateway: block.gateway, network: network.name } });
  }
  return events;
}

/** The blocks a node lacks of every network made with `ovl network create` (at join, and again at every rejoin). */
export function networkBlocksFor(state: ClusterState, node: NodeBlocks): SubnetAssigned[] {
  return Object.values(state.networks ?? {})
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((n) => missingBlocks(state, n, [node]));
}

export function decideCreateNetwork({ data }: CreateNetwork, state: ClusterState, cluster: ClusterConfig): OvlEvent[] {
  if (data.network === DEFAULT_NETWORK) fail(C.NetworkExists, `network ${DEFAULT_NETWORK} is the cluster's own and always exists; pick another name`);
  const existing = state.networks?.[data.network];
  if (existing) {
    // Deciding again after a cut append completes the blocks; asking for a second one is refused.
    const same = (data.cidr === undefined || data.cidr === existing.cidr) && (data.internal ?? false) === existing.internal;
    const missing = same ? missingBlocks(state, existing) : [];
    if (missing.length === 0) fail(C.NetworkExists, `network ${data.network} already exists (${existing.cidr}); remove it first (\`ovl network rm ${data.network}\`) or pick another name`);
    return missing;
  }
  const range = rangeFor(cluster, state, data);
  const vni = lowestFreeVni(cluster, state) ?? fail(C.NetworksExhausted, "no free VNI left for a new network");
  const network = { name: data.network, cidr: formatCidr(range), blockPrefix: networkBlockPrefix(cluster, range.prefix) };
  return [
    { type: "NetworkCreated", data: { network: network.name, cidr: network.cidr, blockPrefix: network.blockPrefix, vni, internal: data.internal ?? false } },
    ...missingBlocks(state, network),
  ];
}

export function decideRemoveNetwork({ data }: RemoveNetwork, state: ClusterState): OvlEvent[] {
  if (data.network === DEFAULT_NETWORK) fail(C.InvalidInput, `network ${DEFAULT_NETWORK} is the cluster's own and cannot be removed`);
  if (!state.networks?.[data.network]) fail(C.NetworkNotFound, `no network named ${data.network} (see \`ovl network ls\`)`);
  const on = allContainers(state).filter((c) => attachmentsOf(c).some((a) => a.network === data.network)).map((c) => c.name);
  if (on.length > 0) {
    const shown = on.length > 5 ? `${on.slice(0, 5).join(", ")} and ${on.length - 5} more` : on.join(", ");
    fail(C.NetworkInUse, `network ${data.network} is in use by ${shown}; remove those containers first (\`ovl rm NAME\`)`);
  }
  return [{ type: "NetworkRemoved", data: { network: data.network } }];
}

/** The networks a new container asks for, each known and named once; `ovl` when none. */
export function requestedNetworks(state: ClusterState, names: readonly string[] | undefined): NetworkInfo[] {
  const asked = names && names.length > 0 ? names : [DEFAULT_NETWORK];
  const twice = asked.find((n, i) => asked.indexOf(n) !== i);
  if (twice !== undefined) fail(C.InvalidInput, `network ${twice} is given twice`);
  return asked.map((n) => findNetwork(state, n) ?? fail(C.NetworkNotFound, `no network named ${n} (see \`ovl network ls\`; make it with \`ovl network create ${n}\`)`));
}
