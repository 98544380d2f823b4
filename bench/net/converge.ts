/**
 * Convergence: from a node's join request until every other node pings a container on it.
 * One lab of the largest N, its control plane started here (not by `ovl up`) so that the
 * joining node's agent starts on cue. For each N (2, 5, 10): nodes n1..n(N-1) run agents,
 * node nN's agent starts, and the clock runs from its join request (seen by a plain NATS
 * subscription on ovl.rpt.nN.join) through SubnetAssigned, `run` of a container on nN (the
 * client library, so that no CLI start-up is counted here), until a ping from every other
 * node's own namespace (busybox, every 10 ms) is answered. The node then leaves, and joins
 * again for the next trial.
 */
import type { Subscription } from "nats";
import { parseEnvelope, subjects } from "@ovl/domain";
import { isAlive, nodePlan, startAgent, startBroker, startCoordinator, stopProcs, waitBroker, type LabInfo, type ProcRecord } from "@ovl/lab";
import type { OvlClient } from "@ovl/client";
import { coordinatorArgs, OVL, withLab } from "./lab.js";
import { connectClient, waitNodesReady } from "./ovl.js";
import { startChild } from "../lib/proc.js";
import type { Row, Section } from "../lib/report-types.js";
import { makeRow, variant } from "../lib/rows.js";
import { epochMs } from "../lib/stats.js";

export interface ConvergeOptions {
  readonly sizes: readonly number[];
  readonly trials: number;
  readonly log: (l: string) => void;
}

interface Ctl { lab: LabInfo; client: OvlClient; agents: Map<string, ProcRecord>; procs: ProcRecord[] }

const control = { ovlCommand: OVL, coordinatorArgs: coordinatorArgs(), agentArgs: (n: { name: string; lanIp: string }) => ["agent", "--node", n.name, "--ip", n.lanIp, "--state-dir", `/var/lib/ovl-lab/${n.name}/agent`] };

function startAgentOf(c: Ctl, index: number): void {
  const rec = startAgent(c.lab.dir, nodePlan(index, c.lab.dir), control);
  c.agents.set(`n${index}`, rec);
  c.procs.push(rec);
}

function firstMessage(sub: Subscription, match: (data: Uint8Array) => boolean, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (sub.unsubscribe(), reject(new Error(`nothing on ${sub.getSubject()} within ${timeoutMs} ms`))), timeoutMs);
    void (async () => {
      for await (const m of sub) if (match(m.data)) return (clearTimeout(timer), sub.unsubscribe(), resolve(epochMs()));
    })();
  });
}

const isType = (type: string) => (data: Uint8Array): boolean => {
  try {
    return parseEnvelope(data).type === type;
  } catch {
    return false;
  }
};

async function pingedFrom(c: Ctl, others: readonly number[], ip: string, timeoutMs: number): Promise<number[]> {
  const pingers = others.map((i) => startChild(["ip", "netns", "exec", nodePlan(i, c.lab.dir).ns, "busybox", "ping", "-i", "0.01", "-w", String(timeoutMs / 1000), ip]));
  try {
    return await Promise.all(pingers.map(async (p) => (await p.waitLine(/bytes from/, timeoutMs)).at));
  } finally {
    await Promise.all(pingers.map((p) => p.stop()));
  }
}

/** One join of node nN with n1..n(N-1) up: the phases in ms from the join request. */
async function trial(c: Ctl, n: number, k: number): Promise<{ total: number; subnet: number; running: number }> {
  const name = `n${n}`;
  const nc = c.client.nc;
  const joinSeen = firstMessage(nc.subscribe(subjects.reportSubject(name, "join")), () => true, 30_000);
  const subnetSeen = firstMessage(nc.subscribe(subjects.nodeEventSubject(name)), isType("SubnetAssigned"), 30_000);
  startAgentOf(c, n);
  const t0 = await joinSeen;
  const tSubnet = await subnetSeen;
  const ctr = `bench-conv-${n}-${k}`;
  const r = await c.client.run({ name: ctr, node: name, image: c.lab.image, cmd: [], ports: [] });
  const others = Array.from({ length: n - 1 }, (_, i) => i + 1);
  const running = firstMessage(nc.subscribe(subjects.containerEventSubject(name, ctr)), isType("ContainerRunning"), 30_000);
  const replies = await pingedFrom(c, others, r.ip, 30_000);
  const tRunning = await running.catch(() => NaN);
  return { total: Math.max(...replies) - t0, subnet: tSubnet - t0, running: tRunning - t0 };
}

async function leave(c: Ctl, n: number, log: (l: string) => void): Promise<void> {
  await c.client.leave(`n${n}`);
  const rec = c.agents.get(`n${n}`)!;
  // The agent tears the node down and exits by itself; end it only if it does not.
  const until = Date.now() + 30_000;
  while (isAlive(rec) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(rec)) log(`bench: agent n${n} did not exit after leaving; stopping it`);
  await stopProcs([rec], 5000);
  c.agents.delete(`n${n}`);
}

async function sizeRow(c: Ctl, n: number, o: ConvergeOptions, errors: string[]): Promise<Row> {
  for (let i = 1; i < n; i++) if (!c.agents.has(`n${i}`)) startAgentOf(c, i);
  await waitNodesReady(c.client, Array.from({ length: n - 1 }, (_, i) => `n${i + 1}`), 120_000);
  const total: number[] = [], subnet: number[] = [], running: number[] = [];
  for (let k = 0; k < o.trials; k++) {
    try {
      const t = await trial(c, n, k);
      o.log(`bench: convergence N=${n} #${k}: ${t.total.toFixed(0)} ms (subnet at ${t.subnet.toFixed(0)}, running at ${t.running.toFixed(0)})`);
      total.push(t.total), subnet.push(t.subnet), running.push(t.running);
    } catch (err) {
      errors.push(`convergence N=${n} #${k}: ${(err as Error).message}`);
    }
    await leave(c, n, o.log).catch((e) => errors.push(`leave n${n}: ${e.message}`));
  }
  return makeRow({
    id: `converge-${n}`, title: `Node joining ${n - 1} node${n > 2 ? "s" : ""} (N = ${n}): join request until every other node pings a container on it`, unit: "ms", higherIsBetter: false,
    variants: [variant("ovl", total, { subnetAssignedMs: median(subnet), containerRunningMs: median(running) })],
    target: { text: "under 1000 ms", met: total.length ? median(total) < 1000 : null },
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

export async function convergeSection(o: ConvergeOptions): Promise<Section> {
  const errors: string[] = [];
  const rows: Row[] = [];
  const max = Math.max(...o.sizes);
  await withLab(max, false, o.log, async (lab) => {
    const c: Ctl = { lab, client: null as unknown as OvlClient, agents: new Map(), procs: [] };
    try {
      const broker = startBroker(lab.dir);
      c.procs.push(broker);
      await waitBroker(broker);
      c.procs.push(startCoordinator(lab.dir, control));
      c.client = await connectClient(lab);
      for (const n of o.sizes) rows.push(await sizeRow(c, n, o, errors));
    } finally {
      await c.client?.close().catch(() => undefined);
      await stopProcs(c.procs.filter((p) => p.role === "agent"), 10_000);
      await stopProcs(c.procs.filter((p) => p.role !== "agent"), 10_000);
    }
  }).catch((e: Error) => errors.push(`convergence section aborted: ${e.message}`));
  return {
    id: "convergence", title: "Convergence: a node joining the cluster", method: "", rows,
    notes: ["Timed with the real agents, coordinator and nats-server of the lab; the container is started through the client library as soon as SubnetAssigned is seen."],
    errors,
  };
}
