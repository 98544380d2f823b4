/**
 * Container start until it answers a ping from another node, timed from the user's
 * command (the CLI process's own start-up counts):
 *   ovl:    `ovl run NAME --node n2 ...`, pinged from an ovl container on n1;
 *   swarm:  `docker run -d --network <overlay> --ip A ...` on n2, pinged from a Swarm
 *           container on n1;
 *   floor:  `docker run -d --network none ...` on n2 until the command returns.
 * The pinger (busybox ping every 10 ms from the probe container's namespace) is running
 * before the clock starts, toward the address the container will get (ovl: the domain's
 * lowest-free rule, checked afterwards; Swarm: given with --ip). The probe's neighbour
 * table is flushed before each sample and its ARP retry time set to 10 ms in both cases, so
 * that a failed ARP before the target exists costs 10 ms, not the default second.
 */
import type { OvlClient } from "@ovl/client";
import type { LabInfo, LabNodeInfo } from "@ovl/lab";
import { run, tryRun } from "@ovl/lab";
import { docker, dockerArgv, SWARM_NET } from "./docker.js";
import { nextIp, ovlRmArgv, ovlRunArgv } from "./ovl.js";
import type { Endpoint } from "./probes.js";
import { startChild, timeCommand } from "../lib/proc.js";
import type { Row } from "../lib/report-types.js";
import { makeRow, variant } from "../lib/rows.js";
import { epochMs, interleave } from "../lib/stats.js";

export interface StartContext {
  readonly lab: LabInfo;
  readonly client: OvlClient;
  readonly target: LabNodeInfo;
  readonly ovlProbe: Endpoint;
  readonly swarmProbe: Endpoint;
  /** A free Swarm overlay address for sample k. */
  readonly swarmIp: (k: number) => string;
  readonly log: (l: string) => void;
  readonly errors: string[];
}

export async function prepareProbe(p: Endpoint): Promise<void> {
  await run([...p.enter, "sysctl", "-q", "-w", "net.ipv4.neigh.eth0.retrans_time_ms=10"], { action: `neighbour retry time in ${p.label}` });
}

/** ms from the command's start until the first ping reply from `ip`. */
export async function untilPinged(probe: Endpoint, ip: string, argv: readonly string[], timeoutMs: number): Promise<{ ms: number; cmdMs: number; t0: number }> {
  await tryRun([...probe.enter, "ip", "neigh", "flush", "all"]);
  const pinger = startChild([...probe.enter, "busybox", "ping", "-i", "0.01", "-w", String(Math.ceil(timeoutMs / 1000)), ip]);
  // busybox ping holds its header line until the first reply: give it time to start instead.
  await new Promise((r) => setTimeout(r, 150));
  if (pinger.proc.exitCode !== null) throw new Error(`ping from ${probe.label} exited at once: ${pinger.lines.join(" | ")}`);
  try {
    const t0 = epochMs();
    const cmd = timeCommand(argv, timeoutMs);
    // A command that fails ends the sample at once (unhandled, its rejection ended the whole run).
    const failed = cmd.then(() => new Promise<never>(() => undefined));
    const reply = await Promise.race([pinger.waitLine(/bytes from/, timeoutMs), failed]);
    const { ms: cmdMs } = await cmd;
    return { ms: reply.at - t0, cmdMs, t0 };
  } finally {
    await pinger.stop();
  }
}

async function ovlSample(c: StartContext, k: number): Promise<number> {
  const name = `bench-start-${k}`;
  const ip = await nextIp(c.client, c.target.name);
  try {
    const r = await untilPinged(c.ovlProbe, ip, ovlRunArgv(c.lab, name, c.target.name), 60_000);
    const got = (await c.client.ps()).find((x) => x.name === name)?.ip;
    if (got !== ip) throw new Error(`ovl gave ${name} ${got}, the benchmark pinged ${ip}`);
    c.log(`bench: start ovl #${k}: reachable after ${r.ms.toFixed(0)} ms (ovl run returned after ${r.cmdMs.toFixed(0)} ms)`);
    return r.ms;
  } finally {
    await timeCommand(ovlRmArgv(c.lab, name), 60_000).catch((e) => c.errors.push(`ovl rm ${name}: ${e.message}`));
  }
}

export async function swarmSample(c: StartContext, k: number): Promise<number> {
  const name = `bench-sw-${k}`;
  const ip = c.swarmIp(k);
  try {
    const r = await untilPinged(c.swarmProbe, ip, dockerArgv(c.target, "run", "-d", "--network", SWARM_NET, "--ip", ip, "--name", name, c.lab.image), 60_000);
    c.log(`bench: start swarm #${k}: reachable after ${r.ms.toFixed(0)} ms (docker run returned after ${r.cmdMs.toFixed(0)} ms)`);
    return r.ms;
  } finally {
    await docker(c.target, "rm", "-f", name).catch((e) => c.errors.push(`docker rm ${name}: ${e.message}`));
  }
}

export async function floorSample(c: StartContext, k: number): Promise<number> {
  const name = `bench-none-${k}`;
  try {
    const { ms } = await timeCommand(dockerArgv(c.target, "run", "-d", "--network", "none", "--name", name, c.lab.image), 60_000);
    c.log(`bench: start floor #${k}: docker run --network none returned after ${ms.toFixed(0)} ms`);
    return ms;
  } finally {
    await docker(c.target, "rm", "-f", name).catch((e) => c.errors.push(`docker rm ${name}: ${e.message}`));
  }
}

export async function startRow(c: StartContext, rounds: number): Promise<Row> {
  const fns = { ovl: ovlSample, swarm: swarmSample, "docker --network none": floorSample } as const;
  let k = 0;
  const samples = await interleave(rounds, Object.keys(fns) as (keyof typeof fns)[], (v) => fns[v](c, k++), (v, e) => c.errors.push(`start ${v}: ${e.message}`));
  const variants = (Object.keys(fns) as (keyof typeof fns)[]).map((v) => variant(v, samples[v]));
  return makeRow({
    id: "start-to-ping", title: "Container start until it answers a ping from another node (floor: until `docker run --network none` returns)", unit: "ms",
    higherIsBetter: false, variants, ratiosOf: "ovl", paired: true,
  });
}
