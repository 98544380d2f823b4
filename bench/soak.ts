/**
 * `npm run soak -- [--minutes N] [--lab]` (default 10; not in CI): churn on SIMULATED agents
 * (the real agent code with the RecordingRuntime, one process each) against two `ovl
 * coordinator` processes and one nats-server; with --lab, on the lab cluster instead (real
 * agents, Docker and kernel: soak-lab.ts), where the end also counts containers, links,
 * routes, neighbours, FDB entries, rules and processes left behind. Containers are started and removed continuously (about
 * `--live` alive at a time), and one node (s4) leaves and joins again every `--node-every`
 * seconds. RSS of the coordinators and of the agents that stay is sampled every 15 s. At the
 * end: everything removed, every node's free addresses back to its block size, every child
 * stopped by its PID; prints the samples and the slope of each process's RSS (after warm-up).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { connect } from "nats";
import { OvlClient, readEvents } from "@ovl/client";
import { OvlError } from "@ovl/domain";
import { startNats } from "../test/support/nats.js";
import { ensureStreams } from "@ovl/broker-setup";
import { coordinatorProc, rssOf, simAgentProc, type Child } from "../test/support/procs.js";
import { labSoakBed } from "./soak-lab.js";
import { pidAlive } from "@ovl/host";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (l: string) => process.stderr.write(`${new Date().toISOString()} ${l}\n`);
const MiB = 1024 * 1024;

function options() {
  const { values } = parseArgs({ options: { minutes: { type: "string", default: "10" }, live: { type: "string" }, "node-every": { type: "string", default: "60" }, lab: { type: "boolean", default: false } } });
  const minutes = Number(values.minutes);
  // Real containers (--lab) cost a process, a veth and Docker's bookkeeping each: fewer alive.
  const live = Number(values.live ?? (values.lab ? "30" : "150"));
  const nodeEvery = Number(values["node-every"]);
  if (!(minutes > 0 && minutes <= 24 * 60)) throw new Error("--minutes: from 0 to 1440");
  if (!Number.isInteger(live) || live < 1 || live > 700) throw new Error("--live: an integer from 1 to 700");
  if (!(nodeEvery >= 5 && nodeEvery <= 3600)) throw new Error("--node-every: seconds from 5 to 3600");
  return { ms: minutes * 60_000, live, nodeEveryMs: nodeEvery * 1000, lab: values.lab! };
}

/** Least-squares slope of y over x. */
export function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

interface Counters { started: number; removed: number; refused: Record<string, number>; leaves: number; joins: number }

async function churn(client: OvlClient, id: number, o: ReturnType<typeof options>, until: number, c: Counters, nodes: () => string[], bed: Pick<SoakBed, "image" | "removeWhenRunning">): Promise<void> {
  const alive: { name: string; at: number }[] = [];
  let running = new Set<string>();
  let psAt = 0;
  let k = 0;
  while (Date.now() < until) {
    const start = alive.length < o.live / 3 && (alive.length < o.live / 6 || Math.random() < 0.5);
    // On the lab only containers that really ran are removed (or, failing that, old ones):
    // the churn goes at the pace of Docker on the nodes, not of the control plane.
    if (bed.removeWhenRunning && Date.now() - psAt > 500) {
      psAt = Date.now();
      running = new Set((await client.ps().catch(() => [])).filter((r) => r.state === "running").map((r) => r.name));
    }
    const removable = alive.filter((a) => !bed.removeWhenRunning || running.has(a.name) || Date.now() - a.at > 60_000);
    try {
      if (start) {
        const name = `soak-${id}-${k++}`;
        const ready = nodes();
        await client.run({ name, node: ready[k % ready.length]!, image: bed.image, cmd: [], ports: [] });
        alive.push({ name, at: Date.now() });
        c.started++;
      } else if (removable.length) {
        const { name } = removable[Math.floor(Math.random() * removable.length)]!;
        alive.splice(alive.findIndex((a) => a.name === name), 1);
        await client.rm(name);
        c.removed++;
      } else await sleep(50);
    } catch (err) {
      const code = err instanceof OvlError ? err.code : "EXCEPTION";
      c.refused[code] = (c.refused[code] ?? 0) + 1; // e.g. a start placed on the node that is leaving
    }
  }
}

async function nodeChurn(client: OvlClient, leaver: SoakBed["leaver"], o: ReturnType<typeof options>, until: number, c: Counters, away: { on: boolean }): Promise<void> {
  while (Date.now() + o.nodeEveryMs < until) {
    await sleep(o.nodeEveryMs);
    away.on = true;
    await client.leave(leaver.node).catch((e: Error) => log(`leave ${leaver.node}: ${e.message}`));
    const left = await waitStatus(client, leaver.node, "left", 120_000);
    if (!left) {
      const row = (await client.nodes({ all: true }).catch(() => [])).find((n) => n.name === leaver.node);
      throw new Error(`${leaver.node} did not leave within 120 s (status ${row?.status ?? "?"}); its agent's last output:\n${leaver.agent.output().slice(-4000)}`);
    }
    c.leaves += 1;
    await leaver.agent.stop(); // it has exited after leaving; this only makes sure
    await sleep(2000);
    await leaver.agent.start();
    c.joins++;
    away.on = false;
  }
}

/** ContainerRunning events in the whole history: the starts an agent really carried out. */
async function countRunning(client: OvlClient): Promise<number> {
  let n = 0;
  for await (const item of readEvents(client.nc)) if (item.ok && item.event.type === "ContainerRunning") n++;
  return n;
}

async function waitStatus(client: OvlClient, node: string, status: string, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const row = (await client.nodes({ all: true }).catch(() => [])).find((n) => n.name === node);
    if (row?.status === status) return true;
    await sleep(250);
  }
  return false;
}

async function sample(procs: Child[], samples: Map<string, [number, number][]>, t0: number): Promise<void> {
  for (const p of procs) {
    const rss = await rssOf(p.pid());
    if (rss > 0) samples.set(p.name, [...(samples.get(p.name) ?? []), [(Date.now() - t0) / 60_000, rss / MiB]]);
  }
}

function report(samples: Map<string, [number, number][]>, warmupMin: number): string {
  const lines: string[] = [];
  for (const [name, pts] of samples) {
    const after = pts.filter(([m]) => m >= warmupMin);
    lines.push(`${name}: RSS MiB ${pts.map(([m, r]) => `${m.toFixed(1)}m=${r.toFixed(0)}`).join(" ")}`);
    lines.push(`  slope after ${warmupMin.toFixed(1)} min warm-up: ${slope(after).toFixed(2)} MiB/min (first ${after[0]?.[1].toFixed(0)}, last ${after.at(-1)?.[1].toFixed(0)} MiB)`);
  }
  return lines.join("\n");
}

/** What the churn runs against: simulated agents on one nats-server, or the lab (--lab). */
export interface SoakBed {
  readonly clients: OvlClient[];
  /** Processes that live through the whole soak: their RSS is sampled. */
  readonly steady: Child[];
  /** The node that leaves and joins again, and its agent. */
  readonly leaver: { readonly node: string; readonly agent: Child };
  readonly nodes: string[];
  /** The image every container runs: on the lab, the one the lab imported (nothing is pulled). */
  readonly image: string;
  /** A container is removed only once `ovl ps` shows it running (the lab: Docker's pace). */
  readonly removeWhenRunning: boolean;
  /** After everything was removed: what is left that should not be (lines), beside addresses. */
  leftovers(): Promise<string[]>;
  /** Stops everything it started, by PID; returns what it could not stop or remove. */
  close(): Promise<string[]>;
}

async function simBed(dir: string): Promise<SoakBed> {
  const srv = await startNats();
  const children: Child[] = [];
  const clients: OvlClient[] = [];
  const close = async () => {
    for (const cl of clients) await cl.close().catch(() => undefined);
    for (const ch of children) await ch.stop().catch(() => undefined);
    await srv.stop();
    return children.filter((ch) => ch.pid() && pidAlive(ch.pid())).map((ch) => `${ch.name} (PID ${ch.pid()}) still running`);
  };
  try {
    const anc = await srv.connect();
    await ensureStreams(await anc.jetstreamManager());
    await anc.close();
    const coords = [1, 2].map((k) => coordinatorProc(srv.url, join(dir, `coordinator-${k}.db`)));
    children.push(...coords);
    await Promise.all(coords.map((c) => c.start()));
    const agents = [1, 2, 3, 4].map((k) => simAgentProc(srv.url, `s${k}`, `198.18.0.${10 + k}`, join(dir, `s${k}`)));
    children.push(...agents);
    await Promise.all(agents.map((a) => a.start()));
    for (let k = 0; k < 3; k++) clients.push(new OvlClient(await connect({ servers: srv.url, maxReconnectAttempts: -1 }), { timeoutMs: 30_000 }));
    await sleep(2000);
    return { clients, steady: [...coords, ...agents.slice(0, 3)], leaver: { node: "s4", agent: agents[3]! }, nodes: ["s1", "s2", "s3", "s4"], image: "busybox", removeWhenRunning: false, leftovers: async () => [], close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function main(): Promise<number> {
  const o = options();
  const dir = mkdtempSync(join(tmpdir(), "ovl-soak-"));
  let bed: SoakBed | null = null;
  try {
    bed = o.lab ? await labSoakBed(dir, log) : await simBed(dir);
    const { clients } = bed;
    const capacity = Object.fromEntries((await clients[0]!.nodes()).map((n) => [n.name, n.freeAddresses]));
    log(`soak for ${o.ms / 60_000} min${o.lab ? " on the lab (real agents, Docker, kernel)" : ""}: ${o.live} containers alive at most, ${bed.leaver.node} leaves and joins every ${o.nodeEveryMs / 1000} s; capacity ${JSON.stringify(capacity)}`);

    const t0 = Date.now();
    const until = t0 + o.ms;
    const c: Counters = { started: 0, removed: 0, refused: {}, leaves: 0, joins: 0 };
    const away = { on: false };
    const samples = new Map<string, [number, number][]>();
    const sampler = setInterval(() => void sample(bed!.steady, samples, t0), 15_000);
    await sample(bed.steady, samples, t0);
    const staying = bed.nodes.filter((n) => n !== bed!.leaver.node);
    const nodes = () => (away.on ? staying : bed!.nodes);
    await Promise.all([...clients.map((cl, i) => churn(cl, i, o, until, c, nodes, bed!)), nodeChurn(clients[0]!, bed.leaver, o, until, c, away)]);
    clearInterval(sampler);
    await sample(bed.steady, samples, t0);

    // The end: remove everything left, then every node must have its whole block free.
    const left = (await clients[0]!.state().catch(() => null))?.state;
    const names = left ? Object.values(left.nodes).flatMap((n) => Object.keys(n.containers)) : [];
    for (const name of names) await clients[0]!.rm(name).catch(() => undefined);
    await sleep(2000);
    const after = Object.fromEntries((await clients[0]!.nodes()).map((n) => [n.name, n.freeAddresses]));
    const leaked = Object.entries(capacity).reduce((s, [n, free]) => s + Math.max(0, free - (after[n] ?? 0)), 0);
    const leftovers = await bed.leftovers();
    const ran = await countRunning(clients[0]!);
    process.stdout.write(`churn: ${c.started} starts, ${c.removed} removes, ${c.leaves} leaves, ${c.joins} joins, refusals ${JSON.stringify(c.refused)}; ${ran} containers reported running by their agent (ContainerRunning events)\n`);
    process.stdout.write(`addresses leaked: ${leaked} (free per node at the end ${JSON.stringify(after)})\n`);
    if (o.lab) process.stdout.write(`left in Docker and the nodes' kernels: ${leftovers.length ? `\n  ${leftovers.join("\n  ")}` : "nothing"}\n`);
    process.stdout.write(`${report(samples, Math.min(2, o.ms / 60_000 / 3))}\n`);
    if (process.env.OVL_SOAK_LOGS) for (const p of bed.steady) log(`--- ${p.name} (last output)\n${p.output().slice(-6000)}`);
    return leaked === 0 && leftovers.length === 0 ? 0 : 1;
  } catch (err) {
    for (const p of bed?.steady ?? []) log(`--- ${p.name} (last output)\n${p.output().slice(-1500)}`);
    throw err;
  } finally {
    const notStopped = (await bed?.close().catch((err: Error) => [`closing: ${err.message}`])) ?? [];
    process.stdout.write(`processes left running or things not removed: ${notStopped.length ? `\n  ${notStopped.join("\n  ")}` : "none"}\n`);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`soak: ${err.stack ?? err.message}\n`);
    process.exit(2);
  },
);
