/**
 * The lab's physical floor for a container path: ovl direct's topology built by hand, with
 * plain routes and none of ovl's devices or rules. On each of two lab nodes a namespace
 * (the "container") is joined by a veth to the node's namespace; the node routes the peer's
 * block via the peer's LAN address, as ovl direct does, and the peer hands it to its own
 * container. What differs from ovl direct: no bridge (the node end of the veth is the
 * container's gateway itself, where ovl puts ovl-br and answers ARP by proxy), no tc
 * block, no ovl table. What the node's namespace imposes on any forwarded packet stays:
 * Docker's FORWARD chain (policy drop, so one accept in DOCKER-USER) and conntrack, which
 * ovl skips for its own cluster traffic and the floor skips the same way (one notrack rule
 * each way in a table of the bench's own), so that the floor is the cheapest this lab can
 * forward a container's packet. Addresses: 198.18.64.0/24 and 198.18.65.0/24 (the lab's
 * test range, away from its LAN 198.18.0-1.0/24); MTU the cluster's.
 */
import { run, tryRun, type LabNodeInfo } from "@ovl/lab";
import { inNetns, type Endpoint } from "./probes.js";

export const FLOOR_VARIANT = "floor";
/** The bench's nftables table: its notrack rules for the floor's blocks. */
const TABLE = "ovlbenchfloor";
const NODE_LINK = "bflr0";
const RANGE = "198.18.64.0/23";

export interface FloorSide {
  /** The "container": a namespace named after its node (the lab's prefix, so `ovl down` finds a leftover). */
  readonly ns: string;
  readonly block: string;
  readonly gateway: string;
  readonly ip: string;
}

export const floorSide = (node: Pick<LabNodeInfo, "ns">, k: 0 | 1): FloorSide => ({
  ns: `${node.ns}f`, block: `198.18.${64 + k}.0/24`, gateway: `198.18.${64 + k}.1`, ip: `198.18.${64 + k}.2`,
});

const ip = (...a: string[]): string[] => ["ip", ...a];
const nsExec = (ns: string, ...a: string[]): string[] => ["ip", "netns", "exec", ns, ...a];

/** The commands that make one side: its namespace and veth, addresses, routes, the accept and the notrack rules. Pure. */
export function floorSideArgv(node: Pick<LabNodeInfo, "ns">, me: FloorSide, peer: FloorSide, peerLanIp: string, mtu: number): string[][] {
  return [
    ip("netns", "add", me.ns),
    ip("-n", node.ns, "link", "add", NODE_LINK, "mtu", String(mtu), "type", "veth", "peer", "name", "eth0", "mtu", String(mtu), "netns", me.ns),
    ip("-n", node.ns, "addr", "add", `${me.gateway}/24`, "dev", NODE_LINK),
    ip("-n", node.ns, "link", "set", NODE_LINK, "up"),
    ip("-n", me.ns, "link", "set", "lo", "up"),
    ip("-n", me.ns, "addr", "add", `${me.ip}/24`, "dev", "eth0"),
    ip("-n", me.ns, "link", "set", "eth0", "up"),
    ip("-n", me.ns, "route", "add", "default", "via", me.gateway),
    ip("-n", node.ns, "route", "add", peer.block, "via", peerLanIp, "dev", "eth0"),
    nsExec(node.ns, "iptables", "-I", "DOCKER-USER", "-s", RANGE, "-d", RANGE, "-j", "ACCEPT"),
    nsExec(node.ns, "nft", "add", "table", "ip", TABLE),
    nsExec(node.ns, "nft", "add", "chain", "ip", TABLE, "raw_prerouting", "{ type filter hook prerouting priority raw; policy accept; }"),
    nsExec(node.ns, "nft", "add", "rule", "ip", TABLE, "raw_prerouting", "ip", "saddr", RANGE, "ip", "daddr", RANGE, "notrack"),
  ];
}

/** The commands that undo a side (each may find its object gone). Pure. */
export function floorSideDownArgv(node: Pick<LabNodeInfo, "ns">, me: FloorSide, peer: FloorSide): string[][] {
  return [
    ip("-n", node.ns, "route", "del", peer.block),
    nsExec(node.ns, "nft", "delete", "table", "ip", TABLE),
    nsExec(node.ns, "iptables", "-D", "DOCKER-USER", "-s", RANGE, "-d", RANGE, "-j", "ACCEPT"),
    ip("-n", node.ns, "link", "del", NODE_LINK),
    ip("netns", "del", me.ns),
  ];
}

/** Removes the floor from both nodes; problems other than "already gone" are returned. */
export async function floorDown(nodes: readonly [LabNodeInfo, LabNodeInfo]): Promise<string[]> {
  const problems: string[] = [];
  const sides = [floorSide(nodes[0], 0), floorSide(nodes[1], 1)] as const;
  for (const [k, node] of nodes.entries()) {
    for (const argv of floorSideDownArgv(node, sides[k]!, sides[1 - k]!)) {
      const r = await tryRun(argv);
      if (!r.ok && !/No such|Cannot find|does not exist|Bad rule|No chain|not found/i.test(r.stderr)) problems.push(`${argv.join(" ")}: ${r.stderr.trim()}`);
    }
  }
  return problems;
}

/** Builds the floor between `a` and `b` (a leftover of a cut run removed first); the pair of endpoints, a's container to b's. */
export async function floorUp(a: LabNodeInfo, b: LabNodeInfo, mtu: number): Promise<readonly [Endpoint, Endpoint]> {
  await floorDown([a, b]);
  const sa = floorSide(a, 0), sb = floorSide(b, 1);
  for (const argv of [...floorSideArgv(a, sa, sb, b.lanIp, mtu), ...floorSideArgv(b, sb, sa, a.lanIp, mtu)]) {
    await run(argv, { action: `floor: ${argv.join(" ")}` });
  }
  return [inNetns(`floor namespace on ${a.name}`, sa.ns, sa.ip), inNetns(`floor namespace on ${b.name}`, sb.ns, sb.ip)];
}
