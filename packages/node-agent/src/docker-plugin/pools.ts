/**
 * Which ovl network a Docker network of driver ovl is (pure). Docker never tells a remote
 * driver or IPAM the network's name, so the IPAM learns it at RequestPool from the range asked
 * (`--subnet` = the network's cidr) or its options (`--ipam-opt network=NAME`). The range is
 * required: for a network of scope local whose pool was not given, Docker (libnetwork's
 * requestPoolHelper) refuses a pool that overlaps a route of the host and asks the IPAM again,
 * holding the pool, until the IPAM fails, and every node routes the ranges of its ovl networks
 * (seen: thousands of RequestPool a second, `docker network create` never returning). The pool
 * id then names the network for every RequestAddress, and the other calls find it by range or
 * address: ranges never overlap, so an address names its network.
 */
import { DEFAULT_NETWORK, blockOf, contains, findNetwork, ipToInt, isIpv4, networksOf, parseCidr, type ClusterState, type NetworkInfo, type NodeRecord } from "@ovl/domain";
import { AgentError, AgentErrorCodes } from "../errors.js";
import { BRIDGE, netBridgeName } from "../kernel/names.js";
import { POOL_ID } from "./mapping.js";

/** The IPAM option naming the ovl network: `docker network create ... --ipam-opt network=NAME`. */
export const NETWORK_OPTION = "network";

const invalid = (msg: string) => new AgentError(AgentErrorCodes.InvalidInput, msg);

/** `ovl` keeps the pool id it had before networks (Docker stores it with the network); another network's is `ovl/NAME`. */
export const poolIdOf = (network: string): string => (network === DEFAULT_NETWORK ? POOL_ID : `${POOL_ID}/${network}`);

/** The network a pool id names; anything not made by poolIdOf is refused. */
export function networkOfPool(poolId: string): string {
  if (poolId === POOL_ID) return DEFAULT_NETWORK;
  const name = poolId.startsWith(`${POOL_ID}/`) ? poolId.slice(POOL_ID.length + 1) : "";
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name)) throw invalid(`unknown pool ${JSON.stringify(poolId)}: ovl's pools are ${POOL_ID} and ${POOL_ID}/<network>`);
  return name;
}

/** What a user types for a Docker network on the ovl network `name` of range `cidr`. */
export const dockerCreateCommand = (name: string, cidr: string): string => `docker network create -d ovl --ipam-driver ovl --subnet ${cidr} ${name}`;

const notFound = (name: string) => invalid(`no ovl network named ${name}: see \`ovl network ls\`, make it with \`ovl network create ${name}\`, then \`${dockerCreateCommand(name, "<its range>")}\``);

/** The ovl network a RequestPool asks for, with its pool; refused for IPv6, no range, an unknown network, or a range that is not the network's. */
export function poolFor(state: ClusterState, req: { readonly Pool?: string; readonly Options?: Record<string, unknown> | null; readonly V6?: boolean }): { PoolID: string; Pool: string; Data: Record<string, never> } {
  if (req.V6) throw invalid("ovl networks have no IPv6: create the Docker network without --ipv6");
  if (!state.cluster) throw invalid("the ovl cluster is not created yet: start `ovl agent` and wait for it to join");
  const named = req.Options?.[NETWORK_OPTION];
  if (named !== undefined && (typeof named !== "string" || named === "")) throw invalid(`--ipam-opt ${NETWORK_OPTION}= must name an ovl network`);
  if (!req.Pool) throw noRange(state, named as string | undefined);
  const byRange = networksOf(state).find((n) => n.cidr === req.Pool)?.name;
  const name = (named as string | undefined) ?? byRange;
  if (!name) throw invalid(`no ovl network has the range ${req.Pool}: give --subnet the range of an ovl network (\`ovl network ls\`)`);
  const net = findNetwork(state, name) ?? (() => { throw notFound(name); })();
  if (req.Pool !== net.cidr) throw invalid(`the ovl network ${name} has the range ${net.cidr}, not ${req.Pool}: \`${dockerCreateCommand(name, net.cidr)}\``);
  return { PoolID: poolIdOf(name), Pool: net.cidr, Data: {} };
}

/** A RequestPool without --subnet: Docker would ask for ever (above); the error says what to type. */
function noRange(state: ClusterState, named: string | undefined): AgentError {
  const why = "Docker needs --subnet for a network of driver ovl (without it, Docker refuses the ovl network's range, which this node routes, and asks again without end)";
  if (named === undefined) {
    const ovl = findNetwork(state, DEFAULT_NETWORK)!;
    return invalid(`${why}: for the ovl network ${DEFAULT_NETWORK} (the Docker network ${DEFAULT_NETWORK} the agent made is one), \`${dockerCreateCommand("NAME", ovl.cidr)}\`; for another, --subnet its range (\`ovl network ls\`)`);
  }
  const net = findNetwork(state, named);
  if (!net) return notFound(named);
  return invalid(`${why}: \`${dockerCreateCommand(named, net.cidr)}\``);
}

/** The ovl network a CreateNetwork is for, by the range its IPAM gave (IPv4Data's Pool); refused when no ovl network has it. */
export function networkOfRange(state: ClusterState, pools: readonly { readonly Pool?: string }[] | null | undefined): NetworkInfo {
  const pool = pools?.[0]?.Pool;
  if (!pool) return findNetwork(state, DEFAULT_NETWORK) ?? (() => { throw notFound(DEFAULT_NETWORK); })();
  const net = networksOf(state).find((n) => n.cidr === pool);
  if (!net) throw invalid(`the range ${pool} is no ovl network's: create the Docker network with --ipam-driver ovl and --subnet an ovl network's range (\`ovl network ls\`), e.g. \`${dockerCreateCommand("NAME", findNetwork(state, DEFAULT_NETWORK)?.cidr ?? "<its range>")}\``);
  return net;
}

/** Where an endpoint of a network lives on this node: its block, gateway, prefix and bridge. */
export interface Placement {
  readonly network: string;
  readonly subnet: string;
  readonly gateway: string;
  readonly prefix: number;
  readonly bridge: string;
}

/** The node's place on a network, or null when the node holds no block of it (yet). */
export function placementOn(state: ClusterState, node: NodeRecord, network: string): Placement | null {
  const net = findNetwork(state, network);
  const block = blockOf(node, network);
  if (!net || !block) return null;
  return { network, subnet: block.subnet, gateway: block.gateway, prefix: parseCidr(net.cidr).prefix, bridge: net.name === DEFAULT_NETWORK ? BRIDGE : netBridgeName(net.vni) };
}

/** The network whose block of this node holds `ip`, or null: the address Docker gives CreateEndpoint names it. */
export function placementOf(state: ClusterState, node: NodeRecord, ip: string): Placement | null {
  const n = ipToInt(ip);
  for (const network of [DEFAULT_NETWORK, ...Object.keys(node.blocks ?? {})]) {
    const p = placementOn(state, node, network);
    if (p && contains(parseCidr(p.subnet), n)) return p;
  }
  return null;
}

/** Of a container's addresses on its Docker networks, those in this node's ovl blocks (the ones the door decided), in Docker's order. */
export function doorAddressesOf(state: ClusterState, node: NodeRecord | undefined, addresses: readonly (string | undefined)[]): string[] {
  if (!node) return [];
  return addresses.filter((ip): ip is string => !!ip && isIpv4(ip) && placementOf(state, node, ip) !== null);
}

/** The ovl network whose range a Docker network's IPAM has (`--subnet`), or null: not an ovl network's. */
export function networkOfDockerSubnet(state: ClusterState, subnet: string | null | undefined): string | null {
  return (subnet && networksOf(state).find((n) => n.cidr === subnet)?.name) || null;
}

/** The container a Docker network event `connect` or `disconnect` is about, when the network is of driver ovl (or Docker does not say). */
export function connectedContainer(attributes: Readonly<Record<string, string>>): string | null {
  const driver = attributes["type"];
  const id = attributes["container"];
  return id && /^[0-9a-f]{12,64}$/.test(id) && (!driver || driver === "ovl") ? id : null;
}
