/**
 * The name service (dns/service.ts) listens on the node's gateway of each network, port 53:
 * containers reach it over that network's bridge (this node's directly, other nodes' over
 * VXLAN, which ends on the bridge). Anything else addressed to it there (the LAN, Docker's own
 * bridges, another network's bridge, the node itself) is dropped, so the cluster's names and
 * the forwarding to the node's resolvers serve each network's own containers alone. As
 * `nft list table` prints it.
 */
import type { DesiredNode } from "./types.js";

export const DNS_PORT = 53;

function guard(bridge: string, gateway: string): string {
  return `\t\tiifname != "${bridge}" ip daddr ${gateway} meta l4proto { tcp, udp } th dport ${DNS_PORT} drop`;
}

/** One rule per gateway: `ovl`'s first, then each network's, in the desired order. */
export function dnsGuardRules(d: DesiredNode): string[] {
  return [guard(d.bridge.name, d.node.gateway), ...(d.networks ?? []).map((n) => guard(n.bridge.name, n.gateway))];
}
