/**
 * The fault-injection run, shared by `npm run faults` (bench/faults.ts) and its short form in
 * CI (faults.int.test.ts). Control plane for real (nats-server or a 3-server cluster, two
 * `ovl coordinator` processes), SIMULATED agents (the real agent code with the
 * RecordingRuntime, one process each), concurrent clients.
 *
 * One phase per fault: `starts` container starts from `clients` connections with `inFlight`
 * requests each, spread over the nodes; a third of the way in, the fault is injected (kill -9,
 * the killed process started again after `downMs`, as a supervisor would). Then the checks:
 * every request answered (success or error), every acknowledged start exactly once in the
 * stream, the coordinators' state equal to the stream's fold, no address held twice, every
 * start running (the agents resumed), and after removing everything, every node's free
 * addresses back to its block size.
 *
 * The lab form (lab.ts, `npm run faults -- --lab`) builds its own FaultBed (real agents with
 * Docker and the kernel, the lab's 3 brokers) and runs the same phases with runPhase.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "nats";
import { OvlError, foldEvents, type ClusterState } from "@ovl/domain";
import { OvlClient } from "@ovl/client";
import { loadStateFromDb } from "@ovl/coordinator";
import { waitFor } from "./wait.js";
import { lastSeq, readEvents } from "./stream.js";
import { clusterBroker, singleBroker, type FaultBroker } from "./brokers.js";
import { coordinatorProc, simAgentProc, type Child } from "./procs.js";

export type Fault = "none" | "coordinator" | "server" | "agent" | "all";

export interface FaultOptions {
  readonly broker: "single" | "cluster";
  readonly faults: readonly Fault[];
  readonly starts: number;
  readonly nodes?: number;
  readonly clients?: number;
  readonly inFlight?: number;
  readonly downMs?: number;
  readonly log?: (line: string) => void;
  /** How long every acknowledged start may take to be running. @default 90000 */
  readonly runningTimeoutMs?: number;
}

export interface PhaseResult {
  readonly fault: Fault;
  readonly killed: string[];
  readonly requests: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly errors: Record<string, number>;
  readonly unanswered: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly landedAfterError: number;
  readonly doubleAddresses: number;
  readonly coordinatorsMatchFold: boolean;
  readonly allRunning: boolean;
  /** When not all are running: the first few acknowledged starts that are not, with their state in the stream's fold. */
  readonly notRunning: readonly string[];
  readonly leakedAddresses: number;
  readonly seconds: number;
}

export interface FaultBed {
  readonly broker: FaultBroker;
  readonly coordinators: Child[];
  readonly agents: Child[];
  readonly clients: OvlClient[];
  readonly dir: string;
  readonly dbs: string[];
  /** The node names the starts are spread over, in the order of `agents`. */
  readonly nodes: string[];
  /** What each start runs. */
  readonly image: string;
  readonly cmd: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function openBed(o: FaultOptions): Promise<FaultBed> {
  const dir = mkdtempSync(join(tmpdir(), "ovl-faults-"));
  const broker = o.broker === "cluster" ? await clusterBroker() : await singleBroker();
  const nodes = Array.from({ length: o.nodes ?? 3 }, (_, k) => `s${k + 1}`);
  const bed: FaultBed = { broker, coordinators: [], agents: [], clients: [], dir, dbs: [join(dir, "coordinator-1.db"), join(dir, "coordinator-2.db")], nodes, image: "busybox", cmd: ["sleep", "1000"] };
  try {
    for (const db of bed.dbs) bed.coordinators.push(coordinatorProc(broker.url, db));
    await Promise.all(bed.coordinators.map((c) => c.start()));
    nodes.forEach((node, k) => bed.agents.push(simAgentProc(broker.url, node, `198.18.0.${11 + k}`, join(dir, node))));
    await Promise.all(bed.agents.map((a) => a.start()));
    bed.clients.push(...(await faultClients(broker.url, o.clients ?? 4)));
    return bed;
  } catch (err) {
    await closeBed(bed);
    throw err;
  }
}

/** Client connections that reconnect forever and retry a request with its id for 30 s. */
export async function faultClients(url: string, count: number): Promise<OvlClient[]> {
  const out: OvlClient[] = [];
  for (let k = 0; k < count; k++) {
    const nc = await connect({ servers: url.split(","), maxReconnectAttempts: -1, name: `faults-client-${k}` });
    out.push(new OvlClient(nc, { timeoutMs: 30_000, attemptMs: 2000 }));
  }
  return out;
}

export async function closeBed(bed: FaultBed): Promise<void> {
  for (const c of bed.clients) await c.close().catch(() => undefined);
  for (const p of [...bed.agents, ...bed.coordinators]) await p.stop().catch(() => undefined);
  await bed.broker.stop().catch(() => undefined);
  rmSync(bed.dir, { recursive: true, force: true });
}

/** Kill -9 a child and start it again after downMs (the supervisor). */
async function bounce(c: Child, downMs: number): Promise<string> {
  const pid = c.pid();
  await c.kill9();
  await sleep(downMs);
  await c.start();
  return `${c.name} (pid ${pid})`;
}

async function inject(bed: FaultBed, fault: Fault, downMs: number): Promise<string[]> {
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  const jobs: Promise<string>[] = [];
  if (fault === "coordinator" || fault === "all") jobs.push(bounce(pick(bed.coordinators), downMs));
  if (fault === "server" || fault === "all") jobs.push(bed.broker.killLeader(downMs));
  if (fault === "agent" || fault === "all") jobs.push(bounce(pick(bed.agents), downMs));
  return Promise.all(jobs);
}

interface Outcomes {
  readonly acked: Set<string>;
  readonly errored: Set<string>;
  readonly errors: Record<string, number>;
  unanswered: number;
}

/** The starts of one phase, `clients * inFlight` at a time; calls `atThird` once a third is answered. */
async function runStarts(bed: FaultBed, o: FaultOptions, prefix: string, atThird: () => void): Promise<Outcomes> {
  const out: Outcomes = { acked: new Set(), errored: new Set(), errors: {}, unanswered: 0 };
  let next = 0;
  let answered = 0;
  const worker = async (client: OvlClient) => {
    while (next < o.starts) {
      const i = next++;
      const name = `${prefix}-${i}`;
      try {
        await client.run({ name, node: bed.nodes[i % bed.nodes.length]!, image: bed.image, cmd: bed.cmd, ports: [] });
        out.acked.add(name);
      } catch (err) {
        const code = err instanceof OvlError ? err.code : "EXCEPTION";
        if (code === "TIMEOUT") out.unanswered++;
        out.errored.add(name);
        out.errors[code] = (out.errors[code] ?? 0) + 1;
      }
      if (++answered === Math.floor(o.starts / 3)) atThird();
    }
  };
  const workers = bed.clients.flatMap((c) => Array.from({ length: o.inFlight ?? 4 }, () => worker(c)));
  await Promise.all(workers);
  return out;
}

const canonical = (s: ClusterState): string => JSON.stringify(s, (_k, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));

/**
 * Each coordinator's own SQLite projection (read-only, beside the running process) equals the
 * stream's fold at the stream's last sequence. (The state query's reply outgrows the 64 KiB
 * reply limit past a few hundred containers, so the files are read instead.)
 */
async function coordinatorsMatch(bed: FaultBed, fold: ClusterState, lastSeq: number): Promise<boolean> {
  const want = canonical(fold);
  const same = async () => bed.dbs.every((db) => {
    const snap = loadStateFromDb(db);
    return snap.seq === lastSeq && canonical(snap.state) === want;
  });
  return waitFor("each projection at the stream's fold", same, 15_000).then(() => true, () => false);
}

async function streamNow(bed: FaultBed) {
  const nc = bed.clients[0]!.nc;
  const events = await readEvents(nc);
  return { events, fold: foldEvents(events), last: events.length ? events[events.length - 1]!.seq : 0 };
}

function countStarts(events: { type: string; data: unknown }[], prefix: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) {
    const name = (e.data as { name?: string }).name;
    if (e.type === "ContainerStarted" && name?.startsWith(`${prefix}-`)) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

function doubleAddresses(state: ClusterState): number {
  const seen = new Set<string>();
  let doubles = 0;
  for (const n of Object.values(state.nodes)) for (const c of Object.values(n.containers)) seen.has(c.ip) ? doubles++ : seen.add(c.ip);
  return doubles;
}

export const freeByNode = async (bed: Pick<FaultBed, "clients">): Promise<Record<string, number>> => Object.fromEntries((await bed.clients[0]!.nodes()).map((n) => [n.name, n.freeAddresses]));

/** A removal answered CONFLICT, UNAVAILABLE or TIMEOUT (possible during a fault) is asked again, as a script would. */
export async function rmRetrying(client: OvlClient, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.rm(name);
      return;
    } catch (err) {
      const code = err instanceof OvlError ? err.code : "";
      if (code === "CONTAINER_NOT_FOUND") return;
      if (attempt >= 5 || !["CONFLICT", "UNAVAILABLE", "TIMEOUT"].includes(code)) throw err;
      await sleep(500 * attempt);
    }
  }
}

async function removeAll(bed: FaultBed, names: readonly string[]): Promise<void> {
  let next = 0;
  const worker = async (client: OvlClient) => {
    while (next < names.length) {
      const name = names[next++]!;
      await rmRetrying(client, name);
    }
  };
  await Promise.all(bed.clients.flatMap((c) => [worker(c), worker(c)]));
}

export async function runPhase(bed: FaultBed, o: FaultOptions, fault: Fault, k: number, baseline: Record<string, number>): Promise<PhaseResult> {
  const log = o.log ?? (() => undefined);
  const prefix = `p${k}`;
  const t0 = Date.now();
  let faultDone: Promise<string[]> = Promise.resolve([]);
  const outcomes = await runStarts(bed, o, prefix, () => {
    if (fault !== "none") {
      faultDone = inject(bed, fault, o.downMs ?? 1000);
      // Awaited after the starts; handled now, so a failure meanwhile cannot end the process
      // as an unhandled rejection (and skip taking the lab down).
      faultDone.catch(() => undefined);
    }
  });
  const killed = await faultDone;
  log(`phase ${fault}: ${outcomes.acked.size} acknowledged, killed ${killed.join(", ") || "nothing"}`);
  const { nc } = bed.clients[0]!;
  const running = async () => {
    const { fold } = await streamNow(bed);
    return [...outcomes.acked].every((n) => Object.values(fold.nodes).some((node) => node.containers[n]?.state === "running"));
  };
  const allRunning = await waitFor("every acknowledged start running", running, o.runningTimeoutMs ?? 90_000).then(() => true, () => false);
  await sleep(500);
  const { events, fold } = await streamNow(bed);
  const stateOf = (n: string) => Object.values(fold.nodes).map((node) => node.containers[n] ? `${node.name}:${node.containers[n]!.state}` : "").find(Boolean) ?? "absent";
  const notRunning = allRunning ? [] : [...outcomes.acked].filter((n) => !stateOf(n).endsWith(":running")).slice(0, 5).map((n) => `${n} ${stateOf(n)}`);
  const counts = countStarts(events, prefix);
  const matches = await coordinatorsMatch(bed, fold, await lastSeq(nc));
  const doubles = doubleAddresses(fold);
  await removeAll(bed, [...counts.keys()]);
  // The nodes query goes to either coordinator; the one that did not answer the last rm may
  // be a few events behind, so give it a moment before calling an address leaked.
  const leakedNow = async () => {
    const after = await freeByNode(bed);
    return Object.entries(baseline).reduce((sum, [node, free]) => sum + Math.max(0, free - (after[node] ?? 0)), 0);
  };
  let leaked = await leakedNow();
  for (let i = 0; leaked > 0 && i < 20; i++) leaked = (await sleep(250), await leakedNow());
  return {
    fault, killed, requests: o.starts, succeeded: outcomes.acked.size, failed: outcomes.errored.size, errors: outcomes.errors,
    unanswered: outcomes.unanswered,
    lost: [...outcomes.acked].filter((n) => !counts.has(n)).length,
    duplicated: [...counts.values()].filter((c) => c > 1).length,
    landedAfterError: [...outcomes.errored].filter((n) => counts.has(n)).length,
    doubleAddresses: doubles, coordinatorsMatchFold: matches, allRunning, notRunning, leakedAddresses: leaked,
    seconds: (Date.now() - t0) / 1000,
  };
}

/** Waits for every node to hold a block; its free addresses then, the baseline of the leak check. */
export async function nodesWithBlocks(bed: FaultBed): Promise<Record<string, number>> {
  await waitFor("every node with a block", async () => (await bed.clients[0]!.nodes()).filter((n) => n.subnet).length === bed.agents.length, 60_000);
  return freeByNode(bed);
}

/** Runs every phase on one bed; the bed is torn down even when a phase throws. */
export async function runFaults(o: FaultOptions): Promise<PhaseResult[]> {
  const bed = await openBed(o);
  try {
    const baseline = await nodesWithBlocks(bed);
    const results: PhaseResult[] = [];
    for (const [k, fault] of o.faults.entries()) results.push(await runPhase(bed, o, fault, k, baseline));
    return results;
  } catch (err) {
    for (const p of [...bed.coordinators, ...bed.agents]) o.log?.(`--- ${p.name} (last output)\n${p.output().slice(-1500)}`);
    throw err;
  } finally {
    await closeBed(bed);
  }
}

/** The table the issue asks for, and the other checks beside it. */
export function faultTable(rows: readonly PhaseResult[]): string {
  const head = ["fault", "requests", "succeeded", "failed with error", "unanswered", "lost", "duplicated", "addr held twice", "leaked addr", "coords = fold", "all running", "s"];
  const body = rows.map((r) => [
    r.fault, r.requests, r.succeeded, r.failed, r.unanswered, r.lost, r.duplicated, r.doubleAddresses, r.leakedAddresses,
    r.coordinatorsMatchFold ? "yes" : "NO", r.allRunning ? "yes" : "NO", r.seconds.toFixed(1),
  ].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}
