/**
 * decide(command, state) -> events: every rule of ovl in one place, pure. Time and the
 * request id arrive in the command's metadata. A rule broken throws a typed OvlError and
 * decides nothing. Deciding again after a partial append completes what is missing
 * (a NodeJoined without its SubnetAssigned gets the SubnetAssigned), never repeats it.
 */
import type {
  CompleteLeave,
  CreateCluster,
  JoinNode,
  LeaveNode,
  LoseNode,
  OvlCommand,
  ReleaseNode,
  RemoveContainer,
  ReportContainer,
  StartContainer,
} from "./commands.js";
import { OvlError, OvlErrorCodes as C } from "./errors.js";
import type { ContainerStopped, OvlEvent } from "./events.js";
import { contains, ipToInt, macFor, parseCidr } from "./ip.js";
import { freeAddresses, lowestFreeAddress, lowestFreeBlock } from "./ipam.js";
import { parseImage } from "./names.js";
import { checkPublish } from "./port-rules.js";
import { withOptions } from "./container-options.js";
import { checkOptionsSize } from "./run-options.js";
import { findContainer, memberNodes } from "./queries.js";
import { withAliases } from "./name-records.js";
import { nameClash } from "./name-clash.js";
import { decideClaimDocker, decideReleaseDocker, decideReserveDocker } from "./docker-door.js";
import type { Attachment, ClusterConfig, ClusterState, ContainerRecord, NodeRecord } from "./state.js";
import { DEFAULT_NETWORK } from "./defaults.js";
import { blockOf, lowestFreeAddressOn, type NetworkInfo } from "./networks.js";
import { decideCreateNetwork, decideRemoveNetwork, networkBlocksFor, requestedNetworks } from "./network-decide.js";
import { lanSubnetOf, mtuOverhead, routingModeOf, sameLan } from "./routing.js";

export { VXLAN_OVERHEAD } from "./routing.js";

const fail = (code: (typeof C)[keyof typeof C], message: string): never => {
  throw new OvlError(code, message);
};

function requireCluster(state: ClusterState): ClusterConfig {
  return state.cluster ?? fail(C.ClusterNotCreated, "the cluster is not created yet: start a coordinator (`ovl coordinator`) first");
}

function requireNode(state: ClusterState, name: string): NodeRecord {
  const node = state.nodes[name];
  if (!node || node.status === "left") return fail(C.NodeNotFound, `node ${name} is not a member of the cluster (see \`ovl nodes\`)`);
  return node;
}

/**
 * Orders by name in code units. Not localeCompare: that follows the process's locale (under
 * LANG=da_DK "aa" sorts after "z"), and decisions must not differ between coordinators.
 */
const byName = (a: { readonly name: string }, b: { readonly name: string }): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

function stopAll(node: NodeRecord, reason: string): ContainerStopped[] {
  return Object.values(node.containers)
    .sort(byName)
    .map((c) => ({ type: "ContainerStopped", data: { name: c.name, node: node.name, ip: c.ip, reason } }));
}

function decideCreateCluster({ data }: CreateCluster, state: ClusterState): OvlEvent[] {
  const cidr = parseCidr(data.cidr);
  if (data.blockPrefix <= cidr.prefix || data.blockPrefix > 30) {
    fail(C.InvalidInput, `block prefix /${data.blockPrefix} must be longer than the cidr's /${cidr.prefix} and at most /30`);
  }
  if (!state.cluster) return [{ type: "ClusterCreated", data: { ...data } }];
  // A cluster without a recorded mode is `vxlan`: asking for vxlan again is no difference.
  const have: ClusterConfig = { ...state.cluster, mode: routingModeOf(state.cluster) };
  const differences = (Object.keys(data) as (keyof ClusterConfig)[])
    .filter((k) => have[k] !== data[k])
    .map((k) => `${k}: ${have[k]} (cluster) vs ${data[k]} (asked)`);
  if (differences.length > 0) {
    fail(C.ClusterMismatch, `the cluster was created with other settings (${differences.join(", ")}); start the coordinator without them or with the cluster's values`);
  }
  return [];
}

/**
 * A lost node resumes only from the LAN address it had: from another one it may be another
 * machine given the same name, while the first still runs its containers at their addresses.
 */
function lostElsewhere(node: NodeRecord, underlayIp: string): string {
  return `node ${node.name} is lost and resumes only from its address ${node.underlayIp}, not ${underlayIp}; if the machine's address changed or this is another machine, free the name with \`ovl release ${node.name}\` (its containers are removed) and start the agent again`;
}

/** The MTU rule of the cluster's mode: a direct cluster needs the overlay MTU, the others 50 bytes more for VXLAN. */
function checkLanMtu(cluster: ClusterConfig, data: JoinNode["data"]): void {
  const mode = routingModeOf(cluster);
  const need = cluster.mtu + mtuOverhead(mode);
  if (data.lanMtu === undefined || data.lanMtu >= need) return;
  const what = mtuOverhead(mode) ? ` plus ${mtuOverhead(mode)} bytes of VXLAN (${mode} mode)` : ` (${mode} mode, no encapsulation)`;
  fail(C.MtuTooSmall, `node ${data.node}: its LAN MTU ${data.lanMtu} cannot carry the cluster MTU ${cluster.mtu}${what}; raise the LAN MTU to ${need}`);
}

/** A direct cluster routes every block over the LAN as it is: every node must be on the LAN subnet of every other. */
function checkSameLan(cluster: ClusterConfig, state: ClusterState, data: JoinNode["data"]): void {
  if (routingModeOf(cluster) !== "direct") return;
  const self = { underlayIp: data.underlayIp, ...(data.lanPrefix !== undefined ? { lanPrefix: data.lanPrefix } : {}) };
  if (data.lanPrefix === undefined) {
    fail(C.NotOnLan, `node ${data.node}: its agent did not tell its LAN subnet, which a direct cluster needs to route to it; upgrade the agent`);
  }
  const other = memberNodes(state).find((n) => n.name !== data.node && !sameLan(self, n));
  if (other) {
    fail(C.NotOnLan, `node ${data.node} (${data.underlayIp}, LAN ${lanSubnetOf(self)}) is not on the LAN subnet of node ${other.name} (${other.underlayIp}, LAN ${lanSubnetOf(other) ?? "unknown"}): a direct cluster routes containers over one LAN subnet without encapsulation; join from an address on that subnet, or use a cluster created with --mode auto`);
  }
}

const lanPrefixOf = (data: JoinNode["data"]): { lanPrefix?: number } => (data.lanPrefix !== undefined ? { lanPrefix: data.lanPrefix } : {});

function decideJoin({ data }: JoinNode, state: ClusterState): OvlEvent[] {
  const cluster = requireCluster(state);
  checkLanMtu(cluster, data);
  checkSameLan(cluster, state, data);
  if (contains(parseCidr(cluster.cidr), ipToInt(data.underlayIp))) {
    // The overlay's route would shadow the node's own LAN address: nothing would reach it.
    fail(C.InvalidInput, `node ${data.node}: its LAN address ${data.underlayIp} lies inside the cluster network ${cluster.cidr}; give the node an address outside it (the cluster network is fixed at creation)`);
  }
  const sameIp = memberNodes(state).find((n) => n.underlayIp === data.underlayIp && n.name !== data.node);
  if (sameIp) fail(C.AddressInUse, `address ${data.underlayIp} is already the address of node ${sameIp.name}`);
  const existing = state.nodes[data.node];
  const events: OvlEvent[] = [];
  if (existing && existing.status !== "left") {
    if (existing.status === "lost" && existing.underlayIp !== data.underlayIp) fail(C.NodeExists, lostElsewhere(existing, data.underlayIp));
    if (existing.underlayIp !== data.underlayIp) {
      fail(C.NodeExists, `node ${data.node} is already a member with address ${existing.underlayIp}; pick another name, or make it leave first`);
    }
    if (existing.status === "leaving") fail(C.NodeNotReady, `node ${data.node} is leaving; join again once it has left`);
    // Its block, addresses and containers were held for it: it resumes where it was.
    if (existing.status === "lost") events.push({ type: "NodeRecovered", data: { node: data.node, underlayIp: data.underlayIp, agentVersion: data.agentVersion, ...lanPrefixOf(data) } });
    if (existing.subnet) return [...events, ...networkBlocksFor(state, existing)];
  } else {
    events.push({ type: "NodeJoined", data: { node: data.node, underlayIp: data.underlayIp, agentVersion: data.agentVersion, ...lanPrefixOf(data) } });
  }
  const block = lowestFreeBlock(cluster, state);
  if (!block) fail(C.BlocksExhausted, `no free block of /${cluster.blockPrefix} left in ${cluster.cidr}: make a node leave, or create the cluster with a wider cidr or smaller blocks`);
  events.push({ type: "SubnetAssigned", data: { node: data.node, subnet: block!.subnet, gateway: block!.gateway } });
  // The blocks of the other networks after `ovl`'s: the join's reply names the last one.
  return [...events, ...networkBlocksFor(state, existing && existing.status !== "left" ? existing : { name: data.node })];
}

function decideLeave({ data }: LeaveNode, state: ClusterState): OvlEvent[] {
  const node = requireNode(state, data.node);
  if (node.status === "leaving") return [];
  if (node.status === "lost") {
    fail(C.NodeNotReady, `node ${data.node} is lost and cannot tear itself down; release its block with \`ovl release ${data.node}\``);
  }
  return [...stopAll(node, "node leaving"), { type: "NodeLeaving", data: { node: data.node, reason: "asked to leave" } }];
}

function decideCompleteLeave({ data }: CompleteLeave, state: ClusterState): OvlEvent[] {
  const node = state.nodes[data.node];
  if (!node || node.status !== "leaving") return [];
  return [{ type: "NodeLeft", data: { node: data.node, reason: "left the cluster" } }];
}

function decideRelease({ data }: ReleaseNode, state: ClusterState): OvlEvent[] {
  const node = requireNode(state, data.node);
  if (node.status === "ready") {
    fail(C.NodeNotReady, `node ${data.node} is alive; use \`ovl leave ${data.node}\` to make it leave`);
  }
  return [...stopAll(node, "node released"), { type: "NodeLeft", data: { node: data.node, reason: "released by operator" } }];
}

function decideLose({ data }: LoseNode, state: ClusterState): OvlEvent[] {
  const node = state.nodes[data.node];
  if (!node || node.status !== "ready") return [];
  return [{ type: "NodeLost", data: { node: data.node, lastSeen: data.lastSeen } }];
}

/**
 * Where `ovl run` without --node goes: the ready node with the most free addresses, then by
 * name, among those that hold a block of each of its networks.
 */
export function placeContainer(cluster: ClusterConfig, state: ClusterState, networks: readonly string[] = [DEFAULT_NETWORK]): NodeRecord | undefined {
  return memberNodes(state)
    .filter((n) => n.status === "ready" && n.subnet && networks.every((net) => blockOf(n, net)))
    .sort((a, b) => freeAddresses(cluster, b) - freeAddresses(cluster, a) || byName(a, b))[0];
}

/** The container's address on each of its networks on `node`, `ovl`'s from the node's index. */
function attachOn(node: NodeRecord, networks: readonly NetworkInfo[]): Attachment[] {
  return networks.map(({ name }) => {
    const ip = (name === DEFAULT_NETWORK ? lowestFreeAddress(node) : lowestFreeAddressOn(node, name))
      ?? fail(C.AddressesExhausted, `node ${node.name}'s block ${blockOf(node, name)?.subnet ?? ""} has no free address (network ${name}); remove a container or place it on another node`);
    return { network: name, ip, mac: macFor(ip) };
  });
}

/** The node a container goes to: the one asked for, holding a block of each network, or the best placed. */
function nodeFor(cluster: ClusterConfig, state: ClusterState, data: StartContainer["data"], networks: readonly NetworkInfo[]): NodeRecord {
  const names = networks.map((n) => n.name);
  if (!data.node) {
    return placeContainer(cluster, state, names) ?? fail(C.NoNodes, names.length === 1 && names[0] === DEFAULT_NETWORK
      ? "no ready node to place the container on: start an agent (`ovl agent`) first"
      : `no ready node holds a block of each of the networks ${names.join(", ")}`);
  }
  const node = requireNode(state, data.node);
  const lacking = names.find((n) => !blockOf(node, n));
  if (node.subnet && lacking !== undefined) fail(C.AddressesExhausted, `node ${node.name} holds no block of network ${lacking} (its range is full); place the container on another node`);
  return node;
}

function decideStart({ data }: StartContainer, state: ClusterState): OvlEvent[] {
  const cluster = requireCluster(state);
  parseImage(data.image);
  if (data.options) checkOptionsSize(data.options);
  const networks = requestedNetworks(state, data.networks);
  if (data.ports.length > 0 && networks[0]!.internal) fail(C.InvalidInput, `network ${networks[0]!.name} is internal: it publishes no port; drop the -p options or put the container on another network first`);
  const taken = findContainer(state, data.name);
  if (taken) fail(C.ContainerExists, `container ${data.name} already exists on node ${taken.node}; remove it first (\`ovl rm ${data.name}\`) or pick another name`);
  const clash = nameClash(state, data.name, data.aliases ?? []);
  if (clash) fail(clash.held ? C.NameInUse : C.InvalidInput, clash.reason);
  const node = nodeFor(cluster, state, data, networks);
  if (node.status !== "ready" || !node.subnet) fail(C.NodeNotReady, `node ${node.name} is ${node.status}; it takes no new containers`);
  const ports = data.ports.map((p) => ({ ...p }));
  checkPublish(node, ports);
  const attached = attachOn(node, networks);
  const { ip, mac } = attached[0]!;
  const block = blockOf(node, attached[0]!.network)!;
  if (!contains(parseCidr(block.subnet), ipToInt(ip))) fail(C.Internal, `address ${ip} outside block ${block.subnet}`);
  // Only `ovl` at its `ip`: no `networks`, as before networks existed.
  const onlyDefault = attached.length === 1 && attached[0]!.network === DEFAULT_NETWORK;
  return [{ type: "ContainerStarted", data: { name: data.name, node: node.name, ip, mac, image: data.image, cmd: [...data.cmd], ports, ...withOptions(data.options), ...withAliases(data.aliases), ...(onlyDefault ? {} : { networks: attached }) } }];
}

function decideRemove({ data }: RemoveContainer, state: ClusterState): OvlEvent[] {
  const c = findContainer(state, data.name) ?? fail(C.ContainerNotFound, `no container named ${data.name} (see \`ovl ps\`)`);
  return [{ type: "ContainerStopped", data: { name: c.name, node: c.node, ip: c.ip, reason: "removed" } }];
}

/**
 * The container a report is about: on the reported node, under its name, at its address.
 * Undefined when the state holds none: a stale report (removed, or an older container of
 * that name), or one about a start this state has not folded yet.
 */
export function reportedContainer(state: ClusterState, report: Pick<ReportContainer["data"], "node" | "name" | "ip">): ContainerRecord | undefined {
  const c = state.nodes[report.node]?.containers[report.name];
  return c && c.ip === report.ip ? c : undefined;
}

/** An agent's report; stale or repeated reports decide nothing. */
function decideReport({ data }: ReportContainer, state: ClusterState): OvlEvent[] {
  const c = reportedContainer(state, data);
  if (!c || state.nodes[data.node]!.status !== "ready") return [];
  const base = { name: c.name, node: c.node, ip: c.ip };
  switch (data.state) {
    case "running":
      return c.state === "running" ? [] : [{ type: "ContainerRunning", data: base }];
    case "failed":
      return c.state === "failed" ? [] : [{ type: "ContainerFailed", data: { ...base, reason: data.reason ?? "failed" } }];
    case "exited": {
      const exitCode = data.exitCode ?? -1;
      return c.state === "exited" && c.exitCode === exitCode ? [] : [{ type: "ContainerExited", data: { ...base, exitCode } }];
    }
  }
}

export function decide(command: OvlCommand, state: ClusterState): OvlEvent[] {
  switch (command.type) {
    case "CreateCluster":
      return decideCreateCluster(command, state);
    case "JoinNode":
      return decideJoin(command, state);
    case "LeaveNode":
      return decideLeave(command, state);
    case "CompleteLeave":
      return decideCompleteLeave(command, state);
    case "ReleaseNode":
      return decideRelease(command, state);
    case "LoseNode":
      return decideLose(command, state);
    case "StartContainer":
      return decideStart(command, state);
    case "RemoveContainer":
      return decideRemove(command, state);
    case "ReportContainer":
      return decideReport(command, state);
    case "CreateNetwork":
      return decideCreateNetwork(command, state, requireCluster(state));
    case "RemoveNetwork":
      return decideRemoveNetwork(command, state);
    case "ReserveDockerAddress":
      return decideReserveDocker(command, state);
    case "ClaimDockerAddress":
      return decideClaimDocker(command, state);
    case "ReleaseDockerAddress":
      return decideReleaseDocker(command, state);
    default: {
      const never: never = command;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}
