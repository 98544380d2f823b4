/**
 * The decisions of Docker's door: containers Docker makes on the network ovl through the
 * agent's network and IPAM plugin (docs/docker-plugin.md). Docker's IPAM asks for an
 * address before anyone knows which container it is for, so an address is decided in two
 * steps, both in the history:
 * 1. ReserveDockerAddress: a record named by the agent (`ipam-<hex>`, origin "docker-ipam")
 *    holds the address from the moment Docker asked: peers are wired for it at once.
 * 2. ClaimDockerAddress, once the container runs and its Docker name is known: the
 *    container starts on the same address under its own name (origin "docker"), with the
 *    ports Docker publishes, and the reservation stops. A container on several networks
 *    (`docker network connect`) claims one reservation per network: each further claim adds
 *    its network to the container's record.
 * ReleaseDockerAddress frees either (Docker gave the address back unused, or `docker rm`);
 * with a network, only the container's address on it (`docker network disconnect`).
 */
import type { ClaimDockerAddress, ReleaseDockerAddress, ReserveDockerAddress } from "./commands.js";
import { OvlError, OvlErrorCodes as C } from "./errors.js";
import type { ContainerStarted, ContainerStopped, OvlEvent } from "./events.js";
import { contains, ipToInt, macFor, parseCidr } from "./ip.js";
import { DEFAULT_NETWORK } from "./defaults.js";
import { attachmentsOf, blockOf, findNetwork, lowestFreeAddressOn } from "./networks.js";
import { checkPublish } from "./port-rules.js";
import { findContainer } from "./queries.js";
import { holderOf } from "./name-clash.js";
import type { Attachment, ClusterState, ContainerRecord, NodeRecord } from "./state.js";
import { MAX_CONTAINER_NETWORKS } from "./schema.js";
import { withOptions } from "./container-options.js";

/** How a claim's ContainerStopped of the reservation begins: the claim's reply is its ContainerStarted's. */
export const TAKEN_BY_DOCKER = "taken by docker container";

/** The image a reservation shows until its container is known. */
export const RESERVATION_IMAGE = "(docker endpoint)";

const fail = (code: (typeof C)[keyof typeof C], message: string): never => {
  throw new OvlError(code, message);
};

function readyNode(state: ClusterState, name: string): NodeRecord {
  if (!state.cluster) fail(C.ClusterNotCreated, "the cluster is not created yet: start a coordinator (`ovl coordinator`) first");
  const node = state.nodes[name] ?? fail(C.NodeNotFound, `node ${name} is not a member of the cluster`);
  if (node.status !== "ready" || !node.subnet) fail(C.NodeNotReady, `node ${name} is ${node.status}; it takes no new containers`);
  return node;
}

/** The preferred address when it lies in the node's block of the network and nobody holds it there; else the lowest free one. */
function addressFor(node: NodeRecord, network: string, preferred: string | undefined): string {
  const b = blockOf(node, network) ?? fail(C.NodeNotReady, `node ${node.name} holds no block of network ${network} (yet)`);
  const held = (ip: string) => Object.values(node.containers).some((c) => attachmentsOf(c).some((a) => a.network === network && a.ip === ip));
  if (preferred && contains(parseCidr(b.subnet), ipToInt(preferred)) && preferred !== b.gateway && !held(preferred)) return preferred;
  return lowestFreeAddressOn(node, network) ?? fail(C.AddressesExhausted, `node ${node.name}'s block ${b.subnet} of network ${network} has no free address; remove a container first`);
}

export function decideReserveDocker({ data }: ReserveDockerAddress, state: ClusterState): OvlEvent[] {
  const node = readyNode(state, data.node);
  const network = data.network ?? DEFAULT_NETWORK;
  if (!findNetwork(state, network)) fail(C.NetworkNotFound, `no network named ${network} (see \`ovl network ls\`; make it with \`ovl network create ${network}\`)`);
  const taken = findContainer(state, data.name);
  if (taken) fail(C.ContainerExists, `reservation ${data.name} already exists on node ${taken.node}`);
  const ip = addressFor(node, network, data.preferred);
  const mac = macFor(ip);
  // On `ovl` the record stays as it was before networks (no `networks`): one reading of old and new histories.
  const networks = network === DEFAULT_NETWORK ? {} : { networks: [{ network, ip, mac }] };
  return [{ type: "ContainerStarted", data: { name: data.name, node: node.name, ip, mac, image: RESERVATION_IMAGE, cmd: [], ports: [], origin: "docker-ipam", ...networks } }];
}

const stopped = (c: ContainerRecord, reason: string): ContainerStopped => ({ type: "ContainerStopped", data: { name: c.name, node: c.node, ip: c.ip, reason } });

export function decideClaimDocker({ data }: ClaimDockerAddress, state: ClusterState): OvlEvent[] {
  const node = readyNode(state, data.node);
  const reservation = node.containers[data.reservation];
  if (!reservation || reservation.origin !== "docker-ipam") fail(C.ContainerNotFound, `no address reservation ${data.reservation} on node ${node.name}`);
  const r = reservation!;
  const same = findContainer(state, data.name);
  // The same container, already claimed: on another network too (`docker network connect`), or started again on another address.
  const replaced = same && same.node === node.name && same.origin === "docker" ? same : undefined;
  if (same && !replaced) fail(C.ContainerExists, `container ${data.name} already exists on node ${same.node}: rename the Docker container`);
  // Names answer in DNS, so a Docker name may not be another container's alias either.
  const alias = holderOf(state, data.name);
  if (alias?.as === "alias") fail(C.NameInUse, `name ${data.name} would be ambiguous: container ${alias.container} answers to it (its alias); rename the Docker container`);
  const attachments = claimedAttachments(r, replaced, data.ips ?? []);
  const ports = data.ports.map((p) => ({ ...p }));
  const first = attachments[0]!;
  if (ports.length > 0 && findNetwork(state, first.network)?.internal) fail(C.InvalidInput, `network ${first.network} is internal: it publishes no port; drop the -p options`);
  checkPublish(node, ports, new Set([r.name, data.name]));
  // On `ovl` alone the record stays as it was before networks (no `networks`).
  const networks = attachments.length === 1 && first.network === DEFAULT_NETWORK ? {} : { networks: attachments };
  const started: ContainerStarted = {
    type: "ContainerStarted",
    data: { name: data.name, node: node.name, ip: first.ip, mac: first.mac, image: data.image, cmd: [], ports, origin: "docker", ...networks },
  };
  // The container first, then the reservation's end: a node folding between the two still
  // holds the address (a veth deleted in that gap would cut the running container off). A
  // record that keeps its address is replaced in place by the ContainerStarted.
  return [
    ...(replaced && replaced.ip !== first.ip ? [stopped(replaced, "docker started it again on another address")] : []),
    started,
    stopped(r, `${TAKEN_BY_DOCKER} ${data.name}`),
  ];
}

/**
 * The networks of a claimed container (pure): those of its record it still has (`ips`, on
 * another network than the reservation's), in their order, then the reservation's.
 */
function claimedAttachments(reservation: ContainerRecord, claimed: ContainerRecord | undefined, ips: readonly string[]): Attachment[] {
  const taken = attachmentsOf(reservation);
  const kept = claimed ? attachmentsOf(claimed).filter((a) => ips.includes(a.ip) && !taken.some((t) => t.network === a.network)) : [];
  const all = [...kept, ...taken].map((a) => ({ ...a }));
  if (all.length > MAX_CONTAINER_NETWORKS) fail(C.InvalidInput, `a container is on at most ${MAX_CONTAINER_NETWORKS} networks`);
  return all;
}

/**
 * Frees a Docker-door address; a stale or repeated release (another address by now, a
 * network the container is not on with that address, or not Docker's) decides nothing.
 */
export function decideReleaseDocker({ data }: ReleaseDockerAddress, state: ClusterState): OvlEvent[] {
  const c = state.nodes[data.node]?.containers[data.name];
  if (!c || !c.origin) return [];
  if (data.network === undefined) return c.ip === data.ip ? [stopped(c, data.reason)] : [];
  const all = attachmentsOf(c);
  if (!all.some((a) => a.network === data.network && a.ip === data.ip)) return [];
  const rest = all.filter((a) => a.network !== data.network);
  // Off its last network, the container leaves ovl, as at `docker rm`.
  return rest.length === 0 ? [stopped(c, data.reason)] : [withNetworks(state, c, rest)];
}

/**
 * The container's record again with only the networks it keeps (`docker network
 * disconnect`), replacing it in place, as a claim adds one: a stop and a start would let a
 * node folding between the two delete the veths of the networks it keeps. Its first network
 * is the first one kept; on an internal one it publishes no port.
 */
function withNetworks(state: ClusterState, c: ContainerRecord, kept: readonly Attachment[]): ContainerStarted {
  const first = kept[0]!;
  const ports = findNetwork(state, first.network)?.internal ? [] : c.ports.map((p) => ({ ...p }));
  const networks = kept.length === 1 && first.network === DEFAULT_NETWORK ? {} : { networks: kept.map((a) => ({ ...a })) };
  return {
    type: "ContainerStarted",
    data: {
      name: c.name, node: c.node, ip: first.ip, mac: first.mac, image: c.image, cmd: [...c.cmd], ports,
      ...withOptions(c.options), ...(c.aliases?.length ? { aliases: [...c.aliases] } : {}), ...(c.origin ? { origin: c.origin } : {}), ...networks,
    },
  };
}

/**
 * The ovl name of a Docker container: Docker allows upper case, '_' and '.', ovl's names
 * do not (they are DNS labels). Lower-cased, every other character a '-', at most 32;
 * null when nothing usable is left.
 */
export function ovlNameForDocker(dockerName: string): string | null {
  const name = dockerName
    .replace(/^\//, "")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .slice(0, 32)
    .replace(/^-+|-+$/g, "");
  return /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/.test(name) ? name : null;
}
