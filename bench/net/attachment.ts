/**
 * What attaching a container to a Linux bridge costs a round trip on this machine, with no
 * ovl at all: the part of ovl direct's round trip above the floor (docs/benchmarks.md,
 * finding 7) is its containers' attachment to ovl-br, and this shows the kernel's own price
 * of that attachment beside a routed veth (the floor's, and Calico's, attachment).
 *
 * Three namespaces of its own: a "host" and two "containers", one joined by a veth whose host
 * end is its gateway (routed), one by a veth on a bridge that holds the gateway address
 * (bridged, as ovl-br). Pings and a 1-stream iperf3 run from the host to each, rounds interleaved in a rotating order,
 * and the bridged one twice: with the host namespace's bridge-nf-call-iptables at 0 and at 1
 * (dockerd sets it to 1 where it runs, so ovl's bridge has br_netfilter's hooks), with one
 * empty iptables chain at prerouting so that the hooks have something to call.
 * Addresses 198.18.70.0/24 and 198.18.71.0/24; everything is removed at the end, also on a failure.
 *   npx tsx bench/net/attachment.ts [--rounds 8] [--pings 50]
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { describePaired, median, pairedRatio, rotation } from "../lib/paired.js";
import { inNetns, iperf, pingRtt } from "./probes.js";

const exec = promisify(execFile);
const argOf = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] ?? def : def;
};
const ROUNDS = Math.min(50, Number(argOf("rounds", "8")));
const PINGS = Math.min(500, Number(argOf("pings", "50")));
const IPERF_SECONDS = 2;

const HOST = "ovlxatt-h";
const ROUTED = "ovlxatt-r";
const BRIDGED = "ovlxatt-b";
const ROUTED_IP = "198.18.70.2";
const BRIDGED_IP = "198.18.71.2";

const run = async (argv: string[]): Promise<string> => (await exec(argv[0]!, argv.slice(1), { timeout: 30_000 })).stdout;
const inNs = (ns: string, ...argv: string[]): string[] => ["ip", "netns", "exec", ns, ...argv];

/** A "container" namespace's end of its veth (eth0): its address, up, default route via `gateway`. Pure. */
const containerEnd = (ns: string, ip: string, gateway: string): string[][] => [
  ["ip", "-n", ns, "addr", "add", `${ip}/24`, "dev", "eth0"],
  ["ip", "-n", ns, "link", "set", "eth0", "up"],
  ["ip", "-n", ns, "route", "add", "default", "via", gateway],
];

/** The commands that build the three namespaces. Pure. */
export function buildArgv(): string[][] {
  const veth = (hostEnd: string, ns: string) => ["ip", "-n", HOST, "link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", ns];
  return [
    ["ip", "netns", "add", HOST],
    ["ip", "netns", "add", ROUTED],
    ["ip", "netns", "add", BRIDGED],
    ["ip", "-n", HOST, "link", "set", "lo", "up"],
    // routed: the host end is the gateway itself
    veth("r0", ROUTED),
    ["ip", "-n", HOST, "addr", "add", "198.18.70.1/24", "dev", "r0"],
    ["ip", "-n", HOST, "link", "set", "r0", "up"],
    ...containerEnd(ROUTED, ROUTED_IP, "198.18.70.1"),
    // bridged: the gateway is the bridge's address, the host end a port of it
    ["ip", "-n", HOST, "link", "add", "br0", "type", "bridge"],
    ["ip", "-n", HOST, "addr", "add", "198.18.71.1/24", "dev", "br0"],
    ["ip", "-n", HOST, "link", "set", "br0", "up"],
    veth("b0", BRIDGED),
    ["ip", "-n", HOST, "link", "set", "b0", "master", "br0"],
    ["ip", "-n", HOST, "link", "set", "b0", "up"],
    ...containerEnd(BRIDGED, BRIDGED_IP, "198.18.71.1"),
    inNs(HOST, "iptables", "-t", "raw", "-N", "OVLXATT"),
    inNs(HOST, "iptables", "-t", "raw", "-A", "PREROUTING", "-j", "OVLXATT"),
  ];
}

/** Sets the host namespace's bridge-nf-call-iptables (per namespace since Linux 5.3). */
async function setBridgeNf(on: boolean): Promise<void> {
  await run(inNs(HOST, "sysctl", "-q", "-w", `net.bridge.bridge-nf-call-iptables=${on ? 1 : 0}`));
}

type Arm = "routed" | "bridged, nf 0" | "bridged, nf 1";
const ARMS: readonly Arm[] = ["routed", "bridged, nf 0", "bridged, nf 1"];

const HOST_END = inNetns("host", HOST, "198.18.70.1");
const TARGET = { routed: inNetns("routed", ROUTED, ROUTED_IP), bridged: inNetns("bridged", BRIDGED, BRIDGED_IP) };

interface Sample { readonly pingMs: number; readonly gbps: number }

async function measure(arm: Arm): Promise<Sample> {
  if (arm !== "routed") await setBridgeNf(arm === "bridged, nf 1");
  const to = arm === "routed" ? TARGET.routed : TARGET.bridged;
  const pingMs = await pingRtt(HOST_END, to, PINGS);
  const { gbps } = await iperf(HOST_END, to, IPERF_SECONDS, 1);
  return { pingMs, gbps };
}

async function teardown(): Promise<void> {
  for (const ns of [ROUTED, BRIDGED, HOST]) await exec("ip", ["netns", "del", ns]).catch(() => undefined);
}

async function main(): Promise<void> {
  await teardown(); // a leftover of an interrupted run
  const samples = new Map<Arm, Sample[]>(ARMS.map((a) => [a, []]));
  const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  console.log(`attachment: ${ROUNDS} rounds of ${PINGS} pings per arm, load ${load()}`);
  try {
    for (const argv of buildArgv()) await run(argv);
    for (const arm of ARMS) await pingRtt(HOST_END, arm === "routed" ? TARGET.routed : TARGET.bridged, 5); // warm: neighbours resolved
    for (let r = 0; r < ROUNDS; r++) {
      for (const arm of rotation(ARMS, r)) samples.get(arm)!.push(await measure(arm));
      console.log(`round ${r + 1}: ${ARMS.map((a) => `${a} ${samples.get(a)!.at(-1)!.pingMs.toFixed(3)} ms ${samples.get(a)!.at(-1)!.gbps.toFixed(2)} Gbit/s`).join(", ")}`);
    }
  } finally {
    await teardown();
  }
  const of = (arm: Arm, k: keyof Sample) => samples.get(arm)!.map((x) => x[k]);
  for (const arm of ARMS) console.log(`${arm}: ping median ${median(of(arm, "pingMs")).toFixed(3)} ms, 1 stream ${median(of(arm, "gbps")).toFixed(2)} Gbit/s`);
  for (const [a, b] of [["bridged, nf 0", "routed"], ["bridged, nf 1", "routed"], ["bridged, nf 1", "bridged, nf 0"]] as const) {
    console.log(`${a} / ${b}: ping ${describePaired(pairedRatio(of(a, "pingMs"), of(b, "pingMs"), false))}; 1 stream ${describePaired(pairedRatio(of(a, "gbps"), of(b, "gbps"), true))}`);
  }
  console.log(`load ${load()}`);
}

await main();
