/**
 * Where does ovl's VXLAN round trip go? `npm run bench -- --only rtt`: the ping and TCP
 * request/response round trips of ovl's VXLAN path with one candidate cost switched off at
 * a time, beside the path as it is and Swarm's, in the same paired rounds. A candidate is
 * switched off in every node's namespace just before its sample and back on just after, so
 * the other variants always run on the lab as deployed:
 * - bridge netfilter: net.bridge.bridge-nf-call-iptables/ip6tables 0 (dockerd sets them to 1);
 * - conntrack: ovl's nft table without its notrack rules (overlay traffic then tracked);
 * - IPv6: net.ipv6.conf.all/default.disable_ipv6 1.
 * A candidate whose "off" variant is faster than the path as is (an interval below 1.0 in
 * "off/as is") costs that much; one whose interval spans 1.0 shows no cost.
 */
import { run, tryRun, type LabInfo } from "@ovl/lab";
import type { Row } from "../lib/report-types.js";
import { watchBusy } from "../lib/busy.js";
import { makeRow, variant } from "../lib/rows.js";
import { interleave } from "../lib/stats.js";
import { pingRtt, tcpRr } from "./probes.js";
import type { Paths } from "./wire.js";

export interface Candidate {
  readonly name: string;
  readonly off: (lab: LabInfo) => Promise<void>;
  readonly on: (lab: LabInfo) => Promise<void>;
}

const inEach = (lab: LabInfo, argv: readonly string[]) =>
  Promise.all(lab.nodes.map((n) => run(["ip", "netns", "exec", n.ns, ...argv], { action: `${argv.join(" ")} in ${n.ns}` })));
const sysctl = (lab: LabInfo, kv: readonly string[]) => inEach(lab, ["sysctl", "-q", "-w", ...kv]);

/** ovl's nft table with its notrack rules taken out (pure). */
export const withoutNotrack = (table: string): string => table.split("\n").filter((l) => !/\bnotrack\b/.test(l)).join("\n");
const nftLoad = (table: string) => `table ip ovl {}\ndelete table ip ovl\n${table}\n`;

function notrackCandidate(): Candidate {
  const saved = new Map<string, string>();
  return {
    name: "notrack rule removed",
    off: async (lab) => {
      for (const n of lab.nodes) {
        const t = (await run(["ip", "netns", "exec", n.ns, "nft", "list", "table", "ip", "ovl"], { action: "nft list" })).stdout;
        saved.set(n.ns, t);
        await run(["ip", "netns", "exec", n.ns, "nft", "-f", "-"], { action: "nft load", input: nftLoad(withoutNotrack(t)) });
      }
    },
    on: async (lab) => {
      for (const n of lab.nodes) {
        const t = saved.get(n.ns);
        if (t) await run(["ip", "netns", "exec", n.ns, "nft", "-f", "-"], { action: "nft restore", input: nftLoad(t) });
      }
    },
  };
}

export const CANDIDATES: readonly (() => Candidate)[] = [
  () => ({
    name: "bridge netfilter 0",
    off: (lab) => sysctl(lab, ["net.bridge.bridge-nf-call-iptables=0", "net.bridge.bridge-nf-call-ip6tables=0"]).then(() => undefined),
    on: (lab) => sysctl(lab, ["net.bridge.bridge-nf-call-iptables=1", "net.bridge.bridge-nf-call-ip6tables=1"]).then(() => undefined),
  }),
  notrackCandidate,
  () => ({
    name: "IPv6 off",
    off: (lab) => sysctl(lab, ["net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]).then(() => undefined),
    on: (lab) => sysctl(lab, ["net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.default.disable_ipv6=0"]).then(() => undefined),
  }),
];

export interface RttAbOptions {
  readonly rounds: number;
  readonly pings: number;
  readonly rrCount: number;
  readonly log: (l: string) => void;
  readonly errors: string[];
}

/** Two rows (ping, request/response) over the ovl path `ovl`, each candidate off in turn, and Swarm. */
export async function rttAbRows(lab: LabInfo, paths: Paths, ovl: string, o: RttAbOptions): Promise<Row[]> {
  const cands = CANDIDATES.map((c) => c());
  const base = ovl;
  const off = (c: Candidate) => `${ovl}, ${c.name}`;
  const names = [base, ...cands.map(off), "Swarm"];
  const pathOf = (v: string) => paths[v === "Swarm" ? "Swarm" : ovl]!;
  const rr: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const { value: ping, busy } = await watchBusy(() => interleave(o.rounds, names, async (v, round) => {
    const c = cands.find((x) => off(x) === v);
    if (c) await c.off(lab);
    try {
      const [a, b] = pathOf(v);
      const p = await pingRtt(a, b, o.pings);
      rr[v]![round] = await tcpRr(a, b, o.rrCount).catch((e: Error) => (o.errors.push(`rr ${v}: ${e.message}`), NaN));
      o.log(`bench: rtt ${v}: ping ${p.toFixed(3)} ms, rr ${rr[v]![round]!.toFixed(3)} ms`);
      return p;
    } finally {
      if (c) await c.on(lab);
    }
  }, (v, e) => o.errors.push(`ping ${v}: ${e.message}`)));
  const extra = busy ? { busy } : {};
  const ratiosOf = [base, ...cands.map(off)];
  return [
    makeRow({ id: "rtt-ab-ping", title: `ICMP round trip, ${ovl} with one candidate off at a time (median of ${o.pings} pings per sample)`, unit: "ms", higherIsBetter: false, variants: names.map((n) => variant(n, ping[n] ?? [])), ratiosOf, paired: true, ...extra }),
    makeRow({ id: "rtt-ab-rr", title: `TCP request/response, ${ovl} with one candidate off at a time (median of ${o.rrCount} exchanges per sample)`, unit: "ms", higherIsBetter: false, variants: names.map((n) => variant(n, rr[n] ?? [])), ratiosOf, paired: true, ...extra }),
  ];
}

/** The state every candidate must be back in after the rows (read, for the notes). */
export async function candidateState(lab: LabInfo): Promise<string> {
  const n = lab.nodes[0]!;
  const keys = ["net.bridge.bridge-nf-call-iptables", "net.ipv6.conf.all.disable_ipv6"];
  const vals = await Promise.all(keys.map((k) => tryRun(["ip", "netns", "exec", n.ns, "sysctl", "-n", k])));
  const nft = await tryRun(["ip", "netns", "exec", n.ns, "nft", "list", "table", "ip", "ovl"]);
  return `${n.name} after the A/B: ${keys.map((k, i) => `${k}=${vals[i]!.stdout.trim()}`).join(" ")}, notrack rules ${(nft.stdout.match(/\bnotrack\b/g) ?? []).length}`;
}
