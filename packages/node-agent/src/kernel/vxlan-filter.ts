/**
 * The VXLAN port is open to the cluster's members only. ovl-vx takes every UDP packet to the
 * cluster's VXLAN port and hands the frame inside to the bridge, whoever sent it: anyone who
 * can reach the port could otherwise put frames on the overlay (Docker's CVE-2023-28840 is
 * that class). ovl's nft table therefore holds a set `members` with the LAN addresses of the
 * other nodes and a rule on the input hook that drops, and counts in the named counter
 * `vxlan_foreign`, every packet to the port from any other source.
 *
 * Who is a member: the domain's memberNodes, every node that has not left (ready, lost,
 * leaving), other than this one. A lost node keeps its block and comes back with the same address, so its
 * packets must be accepted the moment it resumes; a joining node is a member from its
 * NodeJoined on; a leaving node still sends until NodeLeft.
 *
 * Why the input hook: it sees exactly the packets delivered to this host, reassembled, just
 * before the UDP socket of ovl-vx takes them; prerouting would also see VXLAN traffic the
 * node only forwards for someone else.
 *
 * The one way around it from a member machine without root: a container (of ovl, or any
 * other of Docker's) sending to another node's port leaves masqueraded with this node's
 * address, a member's. ovl-vx's own packets are made by this host (the output hook), never
 * forwarded, so the forward hook drops every VXLAN packet toward a member, counted alike.
 *
 * nft lists a set's elements sorted and wrapped over lines in a way of its own, and a
 * counter with what it counted; the comparison (canonicalNft) ignores both, so neither
 * the wrapping nor a drop ever makes the table be loaded again.
 */
import { ipToInt, memberNodes, type ClusterState } from "@ovl/domain";
import type { DesiredNode } from "./types.js";

export const MEMBERS_SET = "members";
export const FOREIGN_COUNTER = "vxlan_foreign";

/** LAN addresses whose VXLAN packets this node accepts: the other nodes that have not left, sorted. Pure. */
export function memberAddresses(state: ClusterState, self: string): string[] {
  // decide lets no two members share an address: no duplicates to drop.
  return memberNodes(state)
    .filter((n) => n.name !== self)
    .map((n) => n.underlayIp)
    .sort((a, b) => ipToInt(a) - ipToInt(b));
}

/** The counter and the set, as `nft list table` prints them before the chains (elements on one line). */
export function memberObjects(d: DesiredNode): string[] {
  const elements = d.members.length ? [`\t\telements = { ${d.members.join(", ")} }`] : [];
  return [
    `\tcounter ${FOREIGN_COUNTER} {`,
    "\t\tpackets 0 bytes 0",
    "\t}",
    "",
    `\tset ${MEMBERS_SET} {`,
    "\t\ttype ipv4_addr",
    ...elements,
    "\t}",
  ];
}

/** The input chain's one rule: VXLAN packets for this node from anyone but a member. */
export function foreignVxlanRule(d: DesiredNode): string {
  return `\t\tudp dport ${d.vxlan.port} ip saddr != @${MEMBERS_SET} counter name "${FOREIGN_COUNTER}" drop`;
}

/** The forward chain's one rule: VXLAN packets a container of this node sends toward a member. */
export function forwardedVxlanRule(d: DesiredNode): string {
  return `\t\tudp dport ${d.vxlan.port} ip daddr @${MEMBERS_SET} counter name "${FOREIGN_COUNTER}" drop`;
}

/** A listing or a rendering with every element list on one sorted line and every counter at zero. */
export function canonicalNft(text: string): string {
  return text
    .replace(/elements = \{([^}]*)\}/g, (_, list: string) => `elements = { ${list.split(/[\s,]+/).filter(Boolean).sort().join(", ")} }`)
    .replace(/packets \d+ bytes \d+/g, "packets 0 bytes 0");
}

/** Packets the rule has dropped since the table was loaded, read from a listing; null when it has no such counter. */
export function foreignDrops(listing: string | null): number | null {
  const m = listing?.match(new RegExp(`counter ${FOREIGN_COUNTER} \\{\\s*packets (\\d+)`));
  return m ? Number(m[1]) : null;
}
