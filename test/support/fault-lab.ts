/**
 * The fault-injection run on the lab cluster (`npm run faults -- --lab`): the same phases and
 * checks as harness.ts (runPhase), but with the real dataplane. The lab comes up with 3 nodes
 * (each its own dockerd), the lab's 3 nats-servers (streams with 3 replicas), two `ovl
 * coordinator` processes in the root namespace and one REAL agent per node (`ovl agent` in
 * the node's namespace, Docker and the kernel). Two long-lived containers on n1 and n2 ping
 * each other every `pingIntervalMs` (busybox ping run in the container's network namespace
 * with nsenter) during each phase: the dataplane must not depend on the control plane.
 *
 * Every process here is started by this run and stopped by its PID; the lab is brought up
 * by this run (waiting for another one to come down, at most `labWaitMs`) and down at the end.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { connect } from "nats";
import {
  IMAGE,
  LAB_CLUSTER,
  brokerRecordFor,
  isAlive,
  labDown,
  labUpWhenFree,
  natsUrlOf,
  spawnDetached,
  startBrokers,
  stopProcs,
  waitBrokers,
  type LabInfo,
  type ProcRecord,
} from "@ovl/lab";
import { waitFor } from "./wait.js";
import { streamLeader, type FaultBroker } from "./brokers.js";
import { closeBed, faultClients, freeByNode, nodesWithBlocks, rmRetrying, runPhase, type FaultBed, type Fault, type PhaseResult } from "./fault-harness.js";
import { child, coordinatorProc, type Child } from "./procs.js";
import { OVL_BIN } from "./ovl.js";
import { stopProcess } from "@ovl/host";
import type { OvlClient } from "@ovl/client";

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LabFaultOptions {
  readonly faults: readonly Fault[];
  readonly starts: number;
  readonly clients?: number;
  readonly inFlight?: number;
  readonly downMs?: number;
  /** @default 20 */
  readonly pingIntervalMs?: number;
  /** How long to wait for someone else's lab to come down. @default 15 min */
  readonly labWaitMs?: number;
  readonly log?: (line: string) => void;
}

export interface PingFigures {
  readonly from: string;
  readonly to: string;
  readonly sent: number;
  readonly received: number;
  /** The longest time without a reply, in ms (consecutive missing sequence numbers + 1, times the interval). */
  readonly longestGapMs: number;
}

export type LabPhaseResult = PhaseResult & { readonly pings: PingFigures[] };

export interface LabFaultReport {
  readonly rows: LabPhaseResult[];
  /** After removing every container, the ping pair included: free addresses short of the start. */
  readonly leakedAtEnd: number;
  /** ovl containers Docker still knows on the nodes after the removals. */
  readonly dockerLeft: number;
}

/** Pure: busybox ping's output (replies `seq=N`, the summary line) as figures. */
export function pingFigures(out: string, intervalMs: number): Omit<PingFigures, "from" | "to"> {
  const seqs = [...out.matchAll(/seq=(\d+)/g)].map((m) => Number(m[1]));
  const summary = /(\d+) packets transmitted, (\d+) packets received/.exec(out);
  const sent = summary ? Number(summary[1]) : (seqs.length ? Math.max(...seqs) + 1 : 0);
  const got = [...new Set(seqs)].sort((a, b) => a - b);
  let gap = got.length ? got[0]! : sent; // missing before the first reply
  for (let i = 1; i < got.length; i++) gap = Math.max(gap, got[i]! - got[i - 1]! - 1);
  if (got.length) gap = Math.max(gap, sent - 1 - got[got.length - 1]!); // missing at the end
  return { sent, received: summary ? Number(summary[2]) : got.length, longestGapMs: (gap + 1) * intervalMs };
}

/** A ping from inside a container's network namespace, stopped with SIGINT (busybox then prints its summary). */
export function startPing(pid: number, to: string, intervalMs: number): { stop(): Promise<string>; proc: ChildProcess } {
  const proc = spawn("nsenter", ["-t", String(pid), "-n", "/bin/busybox", "ping", "-i", String(intervalMs / 1000), "-W", "1", to], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (b: Buffer) => void (out += b.toString()));
  proc.stderr!.on("data", (b: Buffer) => void (out += b.toString()));
  return {
    proc,
    async stop() {
      await stopProcess(proc, { signal: "SIGINT", graceMs: 5000 });
      return out;
    },
  };
}

/** The lab's 3 brokers as a FaultBroker: the fault kills -9 the OVL_EVENTS leader's server by its PID. */
async function labBroker(dir: string, log: (l: string) => void): Promise<FaultBroker & { records(): ProcRecord[] }> {
  let recs = startBrokers(dir, 3);
  try {
    await waitBrokers(recs);
  } catch (err) {
    await stopProcs(recs, 10_000);
    throw err;
  }
  const url = natsUrlOf(3);
  const admin = await connect({ servers: url.split(","), maxReconnectAttempts: -1, name: "faults-lab-admin" });
  const jsm = await admin.jetstreamManager();
  await streamLeader(jsm);
  return {
    kind: "cluster",
    url,
    records: () => recs,
    async killLeader(downMs) {
      const name = await streamLeader(jsm);
      const rec = brokerRecordFor(recs, name);
      if (!rec) throw new Error(`no broker record for the stream leader ${name}`);
      if (!(await stopProcess(rec.pid, { signal: "SIGKILL", killWaitMs: 10_000, isAlive: () => isAlive(rec) }))) throw new Error(`${name} still runs after SIGKILL`);
      await sleep(downMs);
      const again = spawnDetached({ role: "broker", node: rec.node, argv: rec.argv, log: rec.log ?? join(dir, "logs", `nats-${rec.node}.log`) });
      recs = recs.map((r) => (r === rec ? again : r));
      await streamLeader(jsm);
      log(`stream leader ${name} (pid ${rec.pid}) killed, started again as pid ${again.pid}`);
      return `stream leader ${name}`;
    },
    async stop() {
      await admin.close().catch(() => undefined);
      const left = await stopProcs(recs, 15_000);
      left.forEach((p) => log(`warning: broker ${p.node} PID ${p.pid} survived SIGKILL`));
    },
  };
}

export const CLUSTER_ARGS = ["--cidr", LAB_CLUSTER.cidr, "--block-prefix", String(LAB_CLUSTER.blockPrefix), "--vni", String(LAB_CLUSTER.vni), "--vxlan-port", String(LAB_CLUSTER.vxlanPort), "--mtu", String(LAB_CLUSTER.mtu)];

export async function containerPid(info: LabInfo, node: string, name: string): Promise<number> {
  const host = info.nodes.find((n) => n.name === node)!.dockerHost;
  const { stdout } = await run("docker", ["--host", host, "inspect", "-f", "{{.State.Pid}}", `ovl-${name}`], { timeout: 30_000 });
  const pid = Number(stdout.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no PID for container ${name} on ${node}: ${stdout}`);
  return pid;
}

/** ovl containers Docker knows on the lab's nodes. */
export async function dockerLeft(info: LabInfo): Promise<number> {
  let left = 0;
  for (const n of info.nodes) {
    const { stdout } = await run("docker", ["--host", n.dockerHost, "ps", "-aq", "--filter", "name=^ovl-"], { timeout: 30_000 });
    left += stdout.split("\n").filter(Boolean).length;
  }
  return left;
}

/** One end of the ping pair: a long-lived container, its overlay address and its PID. */
export interface PingEnd {
  readonly name: string;
  readonly node: string;
  readonly ip: string;
  readonly pid: number;
}

/** The ping pair, ping-a on the lab's first node and ping-b on its second, started and running. */
export async function startPingPair(client: OvlClient, info: LabInfo): Promise<[PingEnd, PingEnd]> {
  const pair = [{ name: "ping-a", node: info.nodes[0]!.name }, { name: "ping-b", node: info.nodes[1]!.name }];
  for (const p of pair) await client.run({ name: p.name, node: p.node, image: IMAGE, cmd: [], ports: [] });
  await waitFor("the ping pair running", async () => {
    const ps = await client.ps();
    return pair.every((p) => ps.find((r) => r.name === p.name)?.state === "running");
  }, 60_000);
  const ps = await client.ps();
  const [a, b] = await Promise.all(pair.map(async (p) => ({ ...p, ip: ps.find((r) => r.name === p.name)!.ip!, pid: await containerPid(info, p.node, p.name) })));
  return [a!, b!];
}

/** Each end of the pair pinging the other every `intervalMs`. */
export const pingEachOther = (pair: readonly [PingEnd, PingEnd], intervalMs: number) => [startPing(pair[0].pid, pair[1].ip, intervalMs), startPing(pair[1].pid, pair[0].ip, intervalMs)];

/** A real `ovl agent` in a lab node's namespace, with Docker and the kernel; ready when it joined. */
export function labAgentProc(n: LabInfo["nodes"][number], url: string, work: string): Child {
  return child(
    `agent ${n.name}`,
    ["netns", "exec", n.ns, process.execPath, OVL_BIN, "agent", "--node", n.name, "--ip", n.lanIp, "--state-dir", join(work, n.name)],
    new RegExp(`agent ${n.name} joined`),
    { OVL_NATS_URL: url, DOCKER_HOST: n.dockerHost, OVL_FROM_SOURCE: "1", OVL_DOCKER_PLUGIN: join(dirname(n.dockerHost.replace(/^unix:\/\//, "")), "plugins", "ovl.sock") },
    "ip",
  );
}

/** Brings the lab up, runs every phase under the pings, removes everything, brings the lab down. */
export async function runLabFaults(o: LabFaultOptions): Promise<LabFaultReport> {
  const log = o.log ?? (() => undefined);
  const interval = o.pingIntervalMs ?? 20;
  const dir = mkdtempSync(join(tmpdir(), "ovl-faults-lab-"));
  const info = await labUpWhenFree({ nodes: 3, dir, startControlPlane: false, ensurePackages: false, log }, o.labWaitMs ?? 15 * 60_000);
  let bed: FaultBed | null = null;
  let broker: Awaited<ReturnType<typeof labBroker>> | null = null;
  const pings: ReturnType<typeof startPing>[] = [];
  try {
    broker = await labBroker(dir, log);
    const url = broker.url;
    // Coordinators' databases and agents' state: removed by closeBed, apart from the lab's own dir.
    const work = mkdtempSync(join(tmpdir(), "ovl-faults-lab-work-"));
    const dbs = [join(work, "coordinator-1.db"), join(work, "coordinator-2.db")];
    const coordinators = dbs.map((db) => coordinatorProc(url, db, [], CLUSTER_ARGS));
    const agents = info.nodes.map((n) => labAgentProc(n, url, work));
    bed = { broker, coordinators, agents, clients: [], dir: work, dbs, nodes: info.nodes.map((n) => n.name), image: IMAGE, cmd: [] };
    for (const c of coordinators) await c.start(); // one after the other: the first creates the cluster
    await Promise.all(agents.map((a) => a.start()));
    bed.clients.push(...(await faultClients(url, o.clients ?? 4)));
    const start = await nodesWithBlocks(bed);
    log(`lab up: ${info.nodes.map((n) => n.name).join(", ")}; brokers ${url}; free ${JSON.stringify(start)}`);

    // The ping pair, on two nodes, for the whole run.
    const client = bed.clients[0]!;
    const pair = await startPingPair(client, info);
    const baseline = await freeByNode(bed);

    const rows: LabPhaseResult[] = [];
    for (const [k, fault] of o.faults.entries()) {
      const running = pingEachOther(pair, interval);
      pings.push(...running);
      await sleep(500); // the pings are going before the load starts
      const r = await runPhase(bed, { ...o, broker: "cluster", runningTimeoutMs: 300_000 }, fault, k, baseline);
      const outs = await Promise.all(running.map((p) => p.stop()));
      const figures = outs.map((out, i) => ({ from: pair[i]!.name, to: pair[1 - i]!.name, ...pingFigures(out, interval) }));
      log(`phase ${fault}: ${figures.map((f) => `${f.from}->${f.to} ${f.received}/${f.sent}, longest gap ${f.longestGapMs} ms`).join("; ")}`);
      rows.push({ ...r, pings: figures });
    }

    for (const p of pair) await rmRetrying(client, p.name);
    const leakedNow = async () => {
      const after = await freeByNode(bed!);
      return Object.entries(start).reduce((sum, [node, free]) => sum + Math.max(0, free - (after[node] ?? 0)), 0);
    };
    let leakedAtEnd = await leakedNow();
    for (let i = 0; leakedAtEnd > 0 && i < 40; i++) leakedAtEnd = (await sleep(250), await leakedNow());
    // The agents remove containers one after another (~0.2-0.3 s each on this machine with
    // three dockerds busy): after a phase of 500, give them up to 3 minutes.
    const removing = Date.now();
    let left = await dockerLeft(info);
    while (left > 0 && Date.now() - removing < 180_000) left = (await sleep(1000), await dockerLeft(info));
    log(`Docker ${left === 0 ? "held no ovl container" : `still held ${left} ovl containers`} ${((Date.now() - removing) / 1000).toFixed(1)} s after the last removal was acknowledged`);
    return { rows, leakedAtEnd, dockerLeft: left };
  } catch (err) {
    for (const p of [...(bed?.coordinators ?? []), ...(bed?.agents ?? [])]) log(`--- ${p.name} (last output)\n${p.output().slice(-1500)}`);
    throw err;
  } finally {
    for (const p of pings) await p.stop().catch(() => undefined);
    if (bed) await closeBed(bed); // clients, agents, coordinators (by PID), then the brokers
    else await broker?.stop().catch(() => undefined);
    const report = await labDown({ dir, log }).catch((err: Error) => ({ warnings: [err.message] }));
    report.warnings.forEach((w) => log(`lab down warning: ${w}`));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ping figures per phase, as a table. */
export function pingTable(rows: readonly LabPhaseResult[]): string {
  const lines = ["| fault | pings | sent | received | longest gap (ms) |", "|---|---|---|---|---|"];
  for (const r of rows) for (const p of r.pings) lines.push(`| ${r.fault} | ${p.from} -> ${p.to} | ${p.sent} | ${p.received} | ${p.longestGapMs} |`);
  return lines.join("\n");
}
