/**
 * Cross-node wire figures: LAN node-to-node, ovl container-to-container (direct and VXLAN,
 * whichever paths the lab offers), Swarm overlay container-to-container, measured in paired rounds (every variant once per round, the
 * order rotating: A B C, B C A, ...): iperf3 with 1 and 4 streams, ICMP round trip, TCP
 * request/response round trip. Each row's headline is the median of the per-round ratios
 * with a 95% bootstrap interval (lib/paired.ts); a row measured while the machine was busy
 * is flagged.
 */
import type { Endpoint } from "./probes.js";
import { iperf, pingRtt, tcpRr, type Throughput } from "./probes.js";
import type { Row } from "../lib/report-types.js";
import { watchBusy } from "../lib/busy.js";
import { makeRow, variant } from "../lib/rows.js";
import { interleave, summarize } from "../lib/stats.js";

export type Pair = readonly [Endpoint, Endpoint];
export type Paths = Readonly<Record<string, Pair>>;

export interface WireOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly pings: number;
  readonly rrCount: number;
  readonly log: (l: string) => void;
  readonly errors: string[];
  /** Appended to row ids and titles when the same rows are measured again on another LAN (e.g. jumbo frames). */
  readonly tag?: { readonly id: string; readonly title: string };
}

const tagged = (o: WireOptions, id: string, title: string): { id: string; title: string } =>
  o.tag ? { id: `${id}-${o.tag.id}`, title: `${title}, ${o.tag.title}` } : { id, title };

const median = (xs: number[]): number => summarize(xs).median;
/** Every ovl path is compared with every other variant. */
const ovlNames = (paths: Paths): string[] => Object.keys(paths).filter((n) => n.startsWith("ovl"));

async function throughputRow(paths: Paths, streams: number, o: WireOptions): Promise<Row> {
  const names = Object.keys(paths);
  const detail: Record<string, Throughput[]> = Object.fromEntries(names.map((n) => [n, []]));
  const { value: samples, busy } = await watchBusy(() => interleave(o.rounds, names, async (name) => {
    const [a, b] = paths[name]!;
    const t = await iperf(a, b, o.seconds, streams);
    detail[name]!.push(t);
    o.log(`bench: iperf3 -P ${streams} ${name}: ${t.gbps.toFixed(2)} Gbit/s (cpu snd ${t.cpuSender.toFixed(0)}% rcv ${t.cpuReceiver.toFixed(0)}%)`);
    return t.gbps;
  }, (v, e) => o.errors.push(`iperf3 -P ${streams} ${v}: ${e.message}`)));
  if (busy) o.log(`bench: WARNING ${busy} (iperf3 -P ${streams}; row kept)`);
  const variants = names.map((n) => variant(n, samples[n] ?? [], {
    cpuSenderPct: median(detail[n]!.map((t) => t.cpuSender)),
    cpuReceiverPct: median(detail[n]!.map((t) => t.cpuReceiver)),
    retransmits: median(detail[n]!.map((t) => t.retransmits)),
    // CPU per unit of work: a slower path on a busy machine also uses less CPU per second.
    cpuSenderPctPerGbit: median(detail[n]!.map((t) => t.cpuSender / t.gbps)),
    cpuReceiverPctPerGbit: median(detail[n]!.map((t) => t.cpuReceiver / t.gbps)),
  }));
  return makeRow({
    ...tagged(o, `tcp-throughput-p${streams}`, `TCP throughput, ${streams} stream${streams > 1 ? "s" : ""} (iperf3 ${o.seconds} s)`), unit: "Gbit/s", higherIsBetter: true, variants, ratiosOf: ovlNames(paths), paired: true,
    ...(busy ? { busy } : {}),
  });
}

async function latencyRow(paths: Paths, id: string, title: string, o: WireOptions, f: (a: Endpoint, b: Endpoint) => Promise<number>): Promise<Row> {
  const names = Object.keys(paths);
  const { value: samples, busy } = await watchBusy(() => interleave(o.rounds, names, async (name) => {
    const [a, b] = paths[name]!;
    const ms = await f(a, b);
    o.log(`bench: ${id} ${name}: ${ms.toFixed(3)} ms`);
    return ms;
  }, (v, e) => o.errors.push(`${id} ${v}: ${e.message}`)));
  if (busy) o.log(`bench: WARNING ${busy} (${id}; row kept)`);
  return makeRow({
    ...tagged(o, id, title), unit: "ms", higherIsBetter: false, variants: names.map((n) => variant(n, samples[n] ?? [])), ratiosOf: ovlNames(paths), paired: true,
    ...(busy ? { busy } : {}),
  });
}

export async function wireRows(paths: Paths, o: WireOptions): Promise<Row[]> {
  const rows: Row[] = [];
  rows.push(await throughputRow(paths, 1, o));
  rows.push(await throughputRow(paths, 4, o));
  rows.push(await latencyRow(paths, "ping-rtt", `ICMP round trip (median of ${o.pings} pings per sample)`, o, (a, b) => pingRtt(a, b, o.pings)));
  rows.push(await latencyRow(paths, "tcp-rr", `TCP request/response round trip (median of ${o.rrCount} 1-byte exchanges per sample)`, o, (a, b) => tcpRr(a, b, o.rrCount)));
  return rows;
}
