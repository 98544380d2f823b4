/**
 * The name service (dns/service.ts) listens on the node's gateway, port 53: containers reach
 * it over ovl-br (this node's directly, other nodes' over VXLAN, which ends on the bridge).
 * Anything else addressed to it there (the LAN, Docker's own bridges, the node itself) is
 * dropped, so the cluster's names and the forwarding to the node's resolvers serve the
 * overlay alone. As `nft list table` prints it.
 */
import type { DesiredNode } from "./types.js";
import { BRIDGE } from "./names.js";

export const DNS_PORT = 53;

export function dnsGuardRule(d: DesiredNode): string {
  return `\t\tiifname != "${BRIDGE}" ip daddr ${d.node.gateway} meta l4proto { tcp, udp } th dport ${DNS_PORT} drop`;
}
