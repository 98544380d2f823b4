/**
 * ovl's Netfilter rules: one nftables table `ip ovl`, rendered purely as text in the exact
 * form `nft list table ip ovl` prints it, so "is the kernel right?" is a string comparison
 * and the table is rewritten only when the text differs (no needless reload, no dropped
 * conntrack state). It is loaded in one `nft -f` transaction that creates, deletes and
 * recreates the table, so there is never a moment without NAT and never a duplicate rule.
 *
 * - postrouting: masquerade what leaves the overlay (container -> LAN / outside).
 * - prerouting: DNAT published ports arriving for a local address of the node.
 * - output: the same for connections the node makes itself, 127.0.0.1 included, as Docker's
 *   published ports answer there (localnet.ts: how, and why it is safe).
 * - raw_prerouting / raw_output: traffic that stays inside the overlay is not tracked. dockerd
 *   turns net.bridge.bridge-nf-call-iptables on for the whole host, which the kernel ORs with
 *   ovl-br's own nf_call_iptables 0, so bridged overlay frames would otherwise go through
 *   conntrack (measured: 0.85x throughput). No NAT applies inside the overlay, so nothing
 *   needs their state; what leaves or enters it (masquerade, DNAT) is still tracked.
 * - input / forward: VXLAN packets from anyone but the cluster's members, and toward them
 *   from this node's containers, are dropped (vxlan-filter.ts); the name service on the
 *   gateway answers only what comes over the bridge (dns-filter.ts).
 * Forwarding accepts are not here: an accept in this table cannot override Docker's
 * FORWARD DROP (every base chain on a hook must accept), see iptables.ts.
 */
import type { DesiredNode, PublishedPort } from "./types.js";
import { NFT_TABLE } from "./names.js";
import { canonicalNft, foreignVxlanRule, forwardedVxlanRule, memberObjects } from "./vxlan-filter.js";
import { localnetGuard, localnetSnat } from "./localnet.js";
import { dnsGuardRules } from "./dns-filter.js";
import { isolationForwardRules, isolationInputRules, networkBridgesPattern, networkMasquerade } from "./networks.js";

function dnatRule(p: PublishedPort): string {
  const match = [
    p.hostIp ? `ip daddr ${p.hostIp}` : "",
    "fib daddr type local",
    `${p.proto} dport ${p.hostPort}`,
  ].filter(Boolean);
  return `\t\t${match.join(" ")} dnat to ${p.ip}:${p.port}`;
}

function chain(name: string, header: string, rules: readonly string[]): string[] {
  return [`\tchain ${name} {`, `\t\t${header}`, ...rules, "\t}"];
}

/** The table exactly as `nft list table ip ovl` prints it (nftables 1.0.x), without the trailing newline. */
export function renderNftTable(d: DesiredNode): string {
  // Code-unit order, never the locale's: the rendering must not depend on the process's environment.
  const key = (p: PublishedPort) => `${p.proto} ${String(p.hostPort).padStart(5, "0")} ${p.hostIp ?? ""}`;
  const ports = [...d.ports].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const inside = `\t\tip saddr ${d.cluster.cidr} ip daddr ${d.cluster.cidr} notrack`;
  const nets = networkBridgesPattern(d);
  const masq = networkMasquerade(d);
  const chains = [
    chain("raw_prerouting", "type filter hook prerouting priority raw; policy accept;", [localnetGuard(d), ...(nets ? [localnetGuard(d, nets)] : []), inside]),
    chain("raw_output", "type filter hook output priority raw; policy accept;", [inside]),
    chain("prerouting", "type nat hook prerouting priority dstnat; policy accept;", ports.map(dnatRule)),
    // nft knows the name dstnat only on the prerouting hook; -100 is the same priority.
    chain("output", "type nat hook output priority -100; policy accept;", ports.map(dnatRule)),
    chain("postrouting", "type nat hook postrouting priority srcnat; policy accept;", [
      ...masq.before,
      `\t\tip saddr ${d.cluster.cidr} ip daddr != ${d.cluster.cidr} masquerade`,
      ...masq.after,
      ...(ports.length ? [localnetSnat(d), ...(nets ? [localnetSnat(d, nets)] : [])] : []),
    ]),
    chain("input", "type filter hook input priority filter; policy accept;", [foreignVxlanRule(d), ...dnsGuardRules(d), ...isolationInputRules(d)]),
    chain("forward", "type filter hook forward priority filter; policy accept;", [forwardedVxlanRule(d), ...isolationForwardRules(d)]),
  ];
  const body = chains.flatMap((c) => ["", ...c]);
  return [`table ip ${NFT_TABLE} {`, `\tcomment "managed by ovl"`, ...memberObjects(d), ...body, "}"].join("\n");
}

/** One transaction: make sure the table exists, delete it, create it as rendered. */
export function nftLoadScript(table: string): string {
  return `table ip ${NFT_TABLE} {}\ndelete table ip ${NFT_TABLE}\n${table}\n`;
}

/** Compares a listing with a rendering, ignoring trailing whitespace, how set elements wrap, and counted packets. */
export function sameNftTable(actual: string | null, rendered: string): boolean {
  return actual !== null && canonicalNft(actual.trimEnd()) === canonicalNft(rendered.trimEnd());
}
