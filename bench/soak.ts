/**
 * `npm run soak -- [--minutes N]` (default 10; not in CI): churn on SIMULATED agents (the
 * real agent code with the RecordingRuntime, one process each) against two `ovl coordinator`
 * processes and one nats-server. Containers are started and removed continuously (about
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
import { OvlClient } from "@ovl/client";
import { OvlError } from "@ovl/domain";
import { startNats } from "../test/support/nats.js";
import { ensureStreams } from "@ovl/broker-setup";
import { coordinatorProc, rssOf, simAgentProc, type Child } from "../test/faults/procs.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (l: string) => process.stderr.write(`${new Date().toISOString()} ${l}\n`);
const MiB = 1024 * 1024;

function options() {
  const { values } = parseArgs({ options: { minutes: { type: "string", default: "10" }, live: { type: "string", default: "150" }, "node-every": { type: "string", default: "60" } } });
  const minutes = Number(values.minutes);
  const live = Number(values.live);
  const nodeEvery = Number(values["node-every"]);
  if (!(minutes > 0 && minutes <= 24 * 60)) throw new Error("--minutes: from 0 to 1440");
  if (!Number.isInteger(live) || live < 1 || live > 700) throw new Error("--live: an integer from 1 to 700");
  if (!(nodeEvery >= 5 && nodeEvery <= 3600)) throw new Error("--node-every: seconds from 5 to 3600");
  return { ms: minutes * 60_000, live, nodeEveryMs: nodeEvery * 1000 };
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

async function churn(client: OvlClient, id: number, o: ReturnType<typeof options>, until: number, c: Counters, nodes: () => string[]): Promise<void> {
  const alive: string[] = [];
  let k = 0;
  while (Date.now() < until) {
    const start = alive.length < o.live / 3 && (alive.length < o.live / 6 || Math.random() < 0.5);
    try {
      if (start) {
        const name = `soak-${id}-${k++}`;
        const ready = nodes();
        await client.run({ name, node: ready[k % ready.length]!, image: "busybox", cmd: [], ports: [] });
        alive.push(name);
        c.started++;
      } else if (alive.length) {
        const name = alive.splice(Math.floor(Math.random() * alive.length), 1)[0]!;
        await client.rm(name);
        c.removed++;
      }
    } catch (err) {
      const code = err instanceof OvlError ? err.code : "EXCEPTION";
      c.refused[code] = (c.refused[code] ?? 0) + 1; // e.g. a start placed on the node that is leaving
    }
  }
}

async function nodeChurn(client: OvlClient, s4: Child, o: ReturnType<typeof options>, until: number, c: Counters, away: { on: boolean }): Promise<void> {
  while (Date.now() + o.nodeEveryMs < until) {
    await sleep(o.nodeEveryMs);
    away.on = true;
    await client.leave("s4").catch((e: Error) => log(`leave s4: ${e.message}`));
    const left = await waitStatus(client, "s4", "left", 30_000);
    c.leaves += left ? 1 : 0;
    await s4.stop(); // it has exited after leaving; this only makes sure
    await sleep(2000);
    await s4.start();
    c.joins++;
    away.on = false;
  }
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

async function main(): Promise<number> {
  const o = options();
  const dir = mkdtempSync(join(tmpdir(), "ovl-soak-"));
  const srv = await startNats();
  const children: Child[] = [];
  const clients: OvlClient[] = [];
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
    const capacity = Object.fromEntries((await clients[0]!.nodes()).map((n) => [n.name, n.freeAddresses]));
    log(`soak for ${o.ms / 60_000} min: ${o.live} containers alive at most, s4 leaves and joins every ${o.nodeEveryMs / 1000} s; capacity ${JSON.stringify(capacity)}`);

    const t0 = Date.now();
    const until = t0 + o.ms;
    const c: Counters = { started: 0, removed: 0, refused: {}, leaves: 0, joins: 0 };
    const away = { on: false };
    const samples = new Map<string, [number, number][]>();
    const steady = [...coords, ...agents.slice(0, 3)];
    const sampler = setInterval(() => void sample(steady, samples, t0), 15_000);
    await sample(steady, samples, t0);
    const nodes = () => (away.on ? ["s1", "s2", "s3"] : ["s1", "s2", "s3", "s4"]);
    await Promise.all([...clients.map((cl, i) => churn(cl, i, o, until, c, nodes)), nodeChurn(clients[0]!, agents[3]!, o, until, c, away)]);
    clearInterval(sampler);
    await sample(steady, samples, t0);

    // The end: remove everything left, then every node must have its whole block free.
    const left = (await clients[0]!.state().catch(() => null))?.state;
    const names = left ? Object.values(left.nodes).flatMap((n) => Object.keys(n.containers)) : [];
    for (const name of names) await clients[0]!.rm(name).catch(() => undefined);
    await sleep(2000);
    const after = Object.fromEntries((await clients[0]!.nodes()).map((n) => [n.name, n.freeAddresses]));
    const leaked = Object.entries(capacity).reduce((s, [n, free]) => s + Math.max(0, free - (after[n] ?? 0)), 0);
    process.stdout.write(`churn: ${c.started} starts, ${c.removed} removes, ${c.leaves} leaves, ${c.joins} joins, refusals ${JSON.stringify(c.refused)}\n`);
    process.stdout.write(`addresses leaked: ${leaked} (free per node at the end ${JSON.stringify(after)})\n`);
    process.stdout.write(`${report(samples, Math.min(2, o.ms / 60_000 / 3))}\n`);
    return leaked === 0 ? 0 : 1;
  } finally {
    for (const cl of clients) await cl.close().catch(() => undefined);
    for (const ch of children) await ch.stop().catch(() => undefined);
    const alive = children.filter((ch) => ch.pid() && rssOfSync(ch.pid()));
    process.stdout.write(`processes left running: ${alive.length}\n`);
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function rssOfSync(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`soak: ${err.stack ?? err.message}\n`);
    process.exit(2);
  },
);
