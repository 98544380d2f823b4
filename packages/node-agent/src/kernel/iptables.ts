/**
 * The one thing ovl keeps outside its nftables table: accept rules for its bridge in
 * Docker's DOCKER-USER chain. dockerd sets the FORWARD policy to DROP, and an nftables
 * accept in another table cannot override a drop in iptables' filter table  (measured
 * with Docker 20.10 on Debian 12), so forwarding for ovl-br is allowed where Docker lets users add rules.
 *
 * - in from ovl-br: containers to the LAN and the outside (masqueraded in table ip ovl).
 * - out to ovl-br, replies only (conntrack RELATED,ESTABLISHED), and connections DNATed to
 *   a published port (ctstate DNAT). A LAN host that routes to the overlay through this
 *   node gets nothing else, as with Docker. Container to container traffic is bridged, or
 *   carried by VXLAN, and never routed here (with br_netfilter it shows as in ovl-br);
 * - in the direct and auto routing modes, a peer's container reached directly is routed:
 *   in from the LAN interface, cluster cidr to cluster cidr, out to ovl-br.
 *
 * Without dockerd there is no DOCKER-USER: ovl creates it the way Docker does (chain, a
 * final RETURN, a jump at the top of FORWARD), so a later dockerd adopts it as its own.
 */
import { DOCKER_USER, RULE_COMMENT } from "./names.js";

/**
 * The rules, as arguments after `-I DOCKER-USER`, in the order `iptables -S` prints their matches.
 * `direct`: peers' containers arrive routed from the LAN interface (direct routing), not
 * bridged: packets from the cluster cidr to it, in from that interface, are accepted too.
 */
export function dockerUserRules(bridge: string, direct?: { readonly cidr: string; readonly lanIface: string }): string[][] {
  const comment = ["-m", "comment", "--comment", RULE_COMMENT];
  return [
    ...(direct ? [["-s", direct.cidr, "-d", direct.cidr, "-i", direct.lanIface, "-o", bridge, ...comment, "-j", "ACCEPT"]] : []),
    ["-i", bridge, ...comment, "-j", "ACCEPT"],
    ["-o", bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", ...comment, "-j", "ACCEPT"],
    ["-o", bridge, "-m", "conntrack", "--ctstate", "DNAT", ...comment, "-j", "ACCEPT"],
  ];
}

/** How `iptables -S` prints a rule of a chain. */
export const specLine = (chain: string, rule: readonly string[]): string => `-A ${chain} ${rule.join(" ")}`;

/** Parses `iptables -S <chain>` output into its rule lines (drops the -N/-P header). */
export function ruleLines(listing: string): string[] {
  return listing
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("-A "));
}

/** ovl's own rules in a listing, as argument arrays for `iptables -D`. Comment "ovl" is one word, so splitting on blanks is exact. */
export function ownedRules(lines: readonly string[], chain = DOCKER_USER): string[][] {
  return lines
    .filter((l) => l.startsWith(`-A ${chain} `) && / -m comment --comment "?ovl"? /.test(`${l} `))
    .map((l) => l.split(/\s+/).slice(2).map((a) => a.replace(/^"(.*)"$/, "$1")));
}

/** Whether FORWARD jumps to DOCKER-USER (a line of `iptables -S FORWARD`). */
export const hasForwardJump = (lines: readonly string[]): boolean => lines.includes(`-A FORWARD -j ${DOCKER_USER}`);
