/**
 * The networks made with `ovl network create`, in the kernel. Each is built as `ovl` is:
 * per node a bridge holding the node's gateway of the network (with the network's prefix,
 * so its whole range is one L2 segment), a VXLAN device with the network's own VNI on it,
 * and the peers' gateways and containers on it as neighbour + FDB entries (or routes to
 * their blocks via the LAN in the direct and auto modes, the bridge answering ARP by proxy).
 * Frames of one network never meet another's: a VXLAN device only takes packets with its
 * VNI, and each bridge only holds its network's veths.
 *
 * What VNIs and bridges cannot separate is the host, which routes between all its bridges
 * (and, in direct mode, between a bridge and the LAN). ovl's nft table therefore drops, per
 * network X with range R, in the forward and input hooks:
 *   in from X's bridge to another network's range (`ip daddr != R ip daddr OTHER`);
 *   in the forward hook, out to X's bridge from another network's range.
 * OTHER is every other network's range, and the cluster cidr for every network but `ovl`
 * (whose range the cidr is, the others' ranges being carved out of it or lying outside).
 * A published port's DNAT happens before the forward hook, so a container on B that dials
 * a port published by a container on A is dropped there too. An `--internal` network
 * forwards to nothing but its own range (in from its bridge, out to it), reaches no address
 * of the host but its own gateway, and is never masqueraded.
 */
import { parseCidr } from "@ovl/domain";
import { NET_BRIDGES_NFT } from "./names.js";
import type { DesiredNode } from "./types.js";

/** The bridges and ranges the isolation rules name: `ovl`'s first, then this node's networks. */
function segments(d: DesiredNode): { bridge: string; range: string; others: string[]; internal: boolean }[] {
  const ranges = d.networkRanges ?? [];
  return [
    { bridge: d.bridge.name, range: d.cluster.cidr, others: [...ranges], internal: false },
    ...(d.networks ?? []).map((n) => ({ bridge: n.bridge.name, range: n.cidr, others: [d.cluster.cidr, ...ranges.filter((r) => r !== n.cidr)], internal: n.internal })),
  ];
}

/** `ip daddr != R ip daddr OTHER`: `ovl`'s range holds the others, so for it only OTHER is named. */
const otherThan = (dir: "saddr" | "daddr", s: { range: string }, other: string, isOvl: boolean): string => (isOvl ? `ip ${dir} ${other}` : `ip ${dir} != ${s.range} ip ${dir} ${other}`);

/** The forward hook's isolation rules (after the VXLAN rule); none while `ovl` is the only network. */
export function isolationForwardRules(d: DesiredNode): string[] {
  if (!d.networkRanges?.length) return [];
  return segments(d).flatMap((s, i) =>
    s.internal
      ? [`\t\tiifname "${s.bridge}" ip daddr != ${s.range} drop`, `\t\toifname "${s.bridge}" ip saddr != ${s.range} drop`]
      : [
          ...s.others.map((o) => `\t\tiifname "${s.bridge}" ${otherThan("daddr", s, o, i === 0)} drop`),
          ...s.others.map((o) => `\t\toifname "${s.bridge}" ${otherThan("saddr", s, o, i === 0)} drop`),
        ],
  );
}

/** The input hook's: another network's addresses on this host (its gateways) are not reached from a bridge; an internal network reaches only its own. */
export function isolationInputRules(d: DesiredNode): string[] {
  if (!d.networkRanges?.length) return [];
  return segments(d).flatMap((s, i) =>
    s.internal ? [`\t\tiifname "${s.bridge}" ip daddr != ${s.range} drop`] : s.others.map((o) => `\t\tiifname "${s.bridge}" ${otherThan("daddr", s, o, i === 0)} drop`),
  );
}

/** Masquerade of the networks' ranges: an internal one never leaves, one outside the cluster cidr leaves as the node. */
export function networkMasquerade(d: DesiredNode): { before: string[]; after: string[] } {
  const nets = d.networks ?? [];
  const inside = (cidr: string): boolean => {
    const c = parseCidr(d.cluster.cidr);
    const r = parseCidr(cidr);
    return r.prefix >= c.prefix && ((r.base ^ c.base) >>> (32 - c.prefix)) === 0;
  };
  return {
    before: nets.filter((n) => n.internal).map((n) => `\t\tip saddr ${n.cidr} return`),
    after: nets.filter((n) => !n.internal && !inside(n.cidr)).map((n) => `\t\tip saddr ${n.cidr} ip daddr != ${n.cidr} masquerade`),
  };
}

/** The 127.0.0.0/8 guard and published ports' SNAT (localnet.ts) for the networks' bridges too. */
export const networkBridgesPattern = (d: DesiredNode): string | null => (d.networks?.length ? NET_BRIDGES_NFT : null);
