/**
 * The control plane at scale, SIMULATED agents (real agent code, RecordingRuntime):
 *   1. nats-server (loopback, own store) and one coordinator process
 *   2. `nodes` agents in processes of `perProcess`; every one joins and catches up
 *   3. load: `containers` container starts through the coordinator (64 in flight); each
 *      simulated agent reports its containers running, so the stream holds two events per
 *      container; wait until every agent has folded all of it
 *   4. fan-out: `events` container starts at `rate` per second (each appends ContainerStarted,
 *      then the agent's ContainerRunning: twice as many events); for each appended event, the
 *      time from its append (the server's stored timestamp) until each agent folded it (the
 *      agent's onApplied hook timestamps it; nothing polls), and the agent hosts' CPU time
 *   5. RSS: the coordinator, the agent hosts, and one process holding a single agent
 *   6. projection rebuild: the coordinator's SQLite file deleted, a fresh coordinator
 *      catching up from the stream until it serves
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureStreams } from "@ovl/broker-setup";
import { OvlClient } from "@ovl/client";
import { subjects } from "@ovl/domain";
import { startNats } from "../../test/support/nats.js";
import { bundleAgentHost, parseNanoTime, startAgentHost, startCoordinator, type AgentHost } from "./hosts.js";
import { summarize, type Summary } from "../lib/stats.js";
import { rssBytes } from "../lib/procfs.js";

export interface FanoutOptions {
  readonly nodes: number;
  readonly perProcess: number;
  readonly containers: number;
  readonly events: number;
  readonly rate: number;
  readonly cidr: string;
  readonly blockPrefix: number;
  readonly rebuild: boolean;
  readonly oneAgentRss: boolean;
  readonly log: (l: string) => void;
}

export interface FanoutResult {
  /** Over every (event, agent) pair. */
  readonly perAgent: Summary;
  /** Per event, the last agent to fold it. */
  readonly lastAgent: Summary;
  readonly eventsMeasured: number;
  /** CPU time (user + system) of the agent hosts during the fan-out, per event and agent, µs. */
  readonly cpuPerEventAgentUs: number;
  readonly streamEvents: number;
  readonly joinMs: number;
  readonly loadPerSec: number;
  readonly coordinatorRss: number;
  readonly hostRss: Summary;
  readonly oneAgentRss: number | null;
  readonly rebuildMs: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function allCaughtUp(hosts: AgentHost[], target: () => Promise<number>, timeoutMs: number, log?: (l: string) => void): Promise<number> {
  const until = Date.now() + timeoutMs;
  let said = Date.now();
  for (;;) {
    const last = await target();
    const mins = await Promise.all(hosts.map((h) => h.ask("status", "seqs", 10 * 60_000).then((s: number[]) => s[0]!)));
    if (mins.every((m) => m >= last)) return last;
    if (Date.now() > until) throw new Error(`agents at ${Math.min(...mins)} of ${last} after ${timeoutMs} ms`);
    if (log && Date.now() - said > 30_000) (said = Date.now()), log(`bench: scale stream at ${last}, slowest agent at ${Math.min(...mins)}`);
    await sleep(250);
  }
}

async function load(client: OvlClient, o: FanoutOptions, prefix: string, count: number, inFlight: number, ratePerSec?: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const k = next++;
      if (ratePerSec) await sleep(Math.max(0, t0 + (k * 1000) / ratePerSec - performance.now()));
      await client.run({ name: `${prefix}${k}`, node: `s${(k % o.nodes) + 1}`, image: "ovl/busybox:latest", cmd: [], ports: [] }, { timeoutMs: 60_000, attemptMs: 10_000 });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return count / ((performance.now() - t0) / 1000);
}

async function lastSeq(client: OvlClient): Promise<number> {
  const jsm = await client.nc.jetstreamManager();
  return (await jsm.streams.info(subjects.STREAM_EVENTS)).state.last_seq;
}

/** Waits until the stream stops growing (the agents' running reports are in) and every agent folded it. */
async function settle(client: OvlClient, hosts: AgentHost[], timeoutMs: number, log?: (l: string) => void): Promise<number> {
  let prev = -1;
  for (let i = 0; i < 50; i++) {
    const s = await allCaughtUp(hosts, () => lastSeq(client), timeoutMs, log);
    if (s === prev) return s;
    prev = s;
    await sleep(500);
  }
  return prev;
}

async function appendTimes(client: OvlClient, from: number, to: number): Promise<Map<number, number>> {
  const jsm = await client.nc.jetstreamManager();
  const out = new Map<number, number>();
  for (let s = from; s <= to; s++) out.set(s, parseNanoTime((await jsm.streams.getMessage(subjects.STREAM_EVENTS, { seq: s })).timestamp));
  return out;
}

async function measureFanout(client: OvlClient, hosts: AgentHost[], o: FanoutOptions, base: number): Promise<{ perAgent: number[]; lastAgent: number[]; to: number; cpuUs: number }> {
  const to = base + 2 * o.events; // each start appends ContainerStarted, then the agent's ContainerRunning
  await Promise.all(hosts.map((h) => h.ask(`watch ${base + 1} ${to}`, "watching", 10 * 60_000)));
  await load(client, o, "fan-", o.events, 4, o.rate);
  await settle(client, hosts, 120_000);
  const cpuUs = (await Promise.all(hosts.map((h) => h.ask("cpu", "cpuUs", 60_000) as Promise<number>))).reduce((a, b) => a + b, 0);
  const folds = await Promise.all(hosts.map((h) => h.ask("report", "fold", 10 * 60_000)));
  const appended = await appendTimes(client, base + 1, to);
  const perAgent: number[] = [], lastAgent: number[] = [];
  for (const [seq, at] of appended) {
    const times = folds.flatMap((f: Record<string, number[]>) => f[String(seq)] ?? []).map((t) => t - at);
    if (times.length === 0) continue;
    perAgent.push(...times);
    lastAgent.push(Math.max(...times));
  }
  return { perAgent, lastAgent, to, cpuUs };
}

async function oneAgentRss(url: string, index: number, script: string): Promise<number> {
  const h = startAgentHost(url, index, 1, script);
  try {
    await h.child.waitLine(/^\{"ready"/, 10 * 60_000);
    return (await h.ask("status", "seqs").then(() => rssBytes(h.child.proc.pid!)));
  } finally {
    await h.child.stop();
  }
}

export async function runFanout(o: FanoutOptions): Promise<FanoutResult> {
  const bundle = await bundleAgentHost();
  const nats = await startNats();
  const dir = mkdtempSync(join(tmpdir(), "ovl-bench-scale-"));
  const hosts: AgentHost[] = [];
  let coord: Awaited<ReturnType<typeof startCoordinator>> | null = null;
  let client: OvlClient | null = null;
  try {
    // 1. broker and coordinator
    const nc = await nats.connect();
    await ensureStreams(await nc.jetstreamManager());
    await nc.close();
    coord = await startCoordinator(nats.url, join(dir, "c.db"), o.cidr, o.blockPrefix);
    client = await OvlClient.connect({ url: nats.url, name: "ovl-bench-scale" });
    // 2. agents
    const t0 = performance.now();
    for (let first = 1; first <= o.nodes; first += o.perProcess) hosts.push(startAgentHost(nats.url, first, Math.min(o.perProcess, o.nodes - first + 1), bundle.script));
    await Promise.all(hosts.map((h) => h.child.waitLine(/^\{"ready"/, 15 * 60_000)));
    const joinMs = performance.now() - t0;
    o.log(`bench: scale ${o.nodes} simulated agents joined and caught up in ${joinMs.toFixed(0)} ms`);
    // 3. load
    const loadPerSec = o.containers ? await load(client, o, "c-", o.containers, 64) : 0;
    o.log(`bench: scale ${o.containers} starts in, at ${loadPerSec.toFixed(0)}/s`);
    const base = await settle(client, hosts, 20 * 60_000, o.log);
    o.log(`bench: scale ${o.containers} containers at ${loadPerSec.toFixed(0)}/s; ${base} events folded by every agent`);
    // 4. fan-out
    const f = await measureFanout(client, hosts, o, base);
    // 5. memory
    const coordinatorRss = rssBytes(coord.child.proc.pid!);
    const hostRss = summarize(hosts.map((h) => rssBytes(h.child.proc.pid!)));
    const single = o.oneAgentRss ? await oneAgentRss(nats.url, o.nodes + 1, bundle.script) : null;
    // 6. rebuild
    let rebuildMs: number | null = null;
    if (o.rebuild) {
      await coord.child.stop();
      rmSync(join(dir, "c.db"), { force: true }), rmSync(join(dir, "c.db-wal"), { force: true }), rmSync(join(dir, "c.db-shm"), { force: true });
      coord = await startCoordinator(nats.url, join(dir, "c.db"), o.cidr, o.blockPrefix);
      rebuildMs = coord.readyMs;
    }
    return {
      perAgent: summarize(f.perAgent), lastAgent: summarize(f.lastAgent), eventsMeasured: f.lastAgent.length, streamEvents: f.to,
      cpuPerEventAgentUs: f.cpuUs / Math.max(1, f.lastAgent.length) / o.nodes,
      joinMs, loadPerSec, coordinatorRss, hostRss, oneAgentRss: single, rebuildMs,
    };
  } finally {
    await Promise.all(hosts.map((h) => (h.child.proc.stdin?.write("quit\n"), h.child.exited)).map((p) => Promise.race([p, sleep(15_000)])));
    await Promise.all(hosts.map((h) => h.child.stop()));
    await client?.close().catch(() => undefined);
    await coord?.child.stop();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
    bundle.remove();
  }
}
