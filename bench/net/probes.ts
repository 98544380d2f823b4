/**
 * The three wire measurements, between two endpoints in network namespaces (a lab node's
 * own namespace for the LAN baseline, a container's for ovl and Swarm):
 * - iperf3 TCP throughput, server and client run from the host with the namespace entered
 *   (`nsenter -t <pid> -n`), bounded by `-t` seconds;
 * - ICMP round trip with the host's static busybox `ping` (the host has no iputils);
 * - TCP request/response: rr.mjs (one byte each way, one connection, sequential).
 * Traffic goes only between the two lab endpoints.
 */
import { fileURLToPath } from "node:url";
import { run } from "@ovl/lab";
import { startChild } from "../lib/proc.js";
import { summarize } from "../lib/stats.js";

export interface Endpoint {
  readonly label: string;
  /** argv prefix that enters the endpoint's network namespace. */
  readonly enter: readonly string[];
  readonly ip: string;
}

export const inNetns = (label: string, ns: string, ip: string): Endpoint => ({ label, enter: ["ip", "netns", "exec", ns], ip });
export const inPidNet = (label: string, pid: number, ip: string): Endpoint => ({ label, enter: ["nsenter", "-t", String(pid), "-n"], ip });

const RR = fileURLToPath(new URL("./rr.mjs", import.meta.url));
let nextPort = 15201;
const port = (): number => (nextPort = nextPort >= 15299 ? 15201 : nextPort + 1);

export interface Throughput {
  readonly gbps: number;
  /** CPU use of the sending and receiving side, percent of one core (iperf3's figures). */
  readonly cpuSender: number;
  readonly cpuReceiver: number;
  readonly retransmits: number;
}

/** One iperf3 run from `from` to `to` for `seconds` with `streams` parallel streams. */
export async function iperf(from: Endpoint, to: Endpoint, seconds: number, streams: number): Promise<Throughput> {
  const p = String(port());
  const server = startChild([...to.enter, "iperf3", "-s", "-1", "--forceflush", "-B", to.ip, "-p", p]);
  try {
    await server.waitLine(/Server listening/, 5000);
    const argv = [...from.enter, "iperf3", "-c", to.ip, "-p", p, "-t", String(seconds), "-P", String(streams), "-J", "-O", "1"];
    const { stdout } = await run(argv, { action: `iperf3 ${from.label} -> ${to.label}`, timeoutMs: (seconds + 15) * 1000 });
    const j = JSON.parse(stdout);
    if (j.error) throw new Error(`iperf3: ${j.error}`);
    return {
      gbps: j.end.sum_received.bits_per_second / 1e9,
      cpuSender: j.end.cpu_utilization_percent.host_total,
      cpuReceiver: j.end.cpu_utilization_percent.remote_total,
      retransmits: j.end.sum_sent.retransmits ?? 0,
    };
  } finally {
    await server.stop();
  }
}

/** Median ICMP round trip (ms) over `count` pings at 20 ms intervals, after one warm-up. */
export async function pingRtt(from: Endpoint, to: Endpoint, count: number): Promise<number> {
  const argv = [...from.enter, "busybox", "ping", "-c", String(count + 1), "-i", "0.02", "-W", "2", to.ip];
  const { stdout } = await run(argv, { action: `ping ${from.label} -> ${to.label}`, timeoutMs: 10_000 + count * 100 });
  const times = [...stdout.matchAll(/seq=(\d+) .*time=([\d.]+) ms/g)].filter((m) => m[1] !== "0").map((m) => Number(m[2]));
  if (times.length < count / 2) throw new Error(`ping ${from.label} -> ${to.label}: ${times.length} of ${count} replies`);
  return summarize(times).median;
}

/** Median TCP request/response round trip (ms): `count` one-byte exchanges on one connection. */
export async function tcpRr(from: Endpoint, to: Endpoint, count: number): Promise<number> {
  const p = String(port());
  const server = startChild([...to.enter, process.execPath, RR, "server", to.ip, p]);
  try {
    await server.waitLine(/^listening/, 5000);
    const { stdout } = await run([...from.enter, process.execPath, RR, "client", to.ip, p, String(count)], { action: `tcp rr ${from.label} -> ${to.label}`, timeoutMs: 30_000 });
    return JSON.parse(stdout).medianMs;
  } finally {
    await server.stop();
  }
}
