/**
 * Coordinator throughput, against a real nats-server with the coordinator in its own
 * process (as deployed):
 * 1. container-start decisions/s with one client (each request awaited in turn);
 * 2. the same with many concurrent clients;
 * 3. projection rebuild: a fresh coordinator catching up on a stream of ~100,000 events,
 *    and the fold + SQLite alone (no NATS) over the same events.
 *   npx tsx bench/coordinator.ts [--starts N] [--clients C] [--single S] [--events E] [--no-rebuild]
 * (at most ~16,000 starts in all: 64 nodes of 253 addresses)
 * BENCH_PROF=<dir> writes a CPU profile of each coordinator process there; BENCH_IMPORT=<module>
 * preloads a module into them (e.g. one counting socket writes).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DeliverPolicy, type NatsConnection } from "nats";
import { parseEnvelope, subjects, type Envelope } from "@ovl/domain";
import { ensureStreams } from "@ovl/broker-setup";
import { Projection } from "@ovl/coordinator";
import { startNats } from "../test/support/nats.js";
import { fillStream, history } from "./lib/history.js";
import { cpuMs } from "./lib/procfs.js";
import { stopProcess } from "@ovl/host";

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const STARTS = arg("starts", 10_000);
const CLIENTS = arg("clients", 64);
/** Starts with one client (0 skips that phase, e.g. to profile the concurrent one alone). */
const SINGLE = arg("single", 2000);
const EVENTS = arg("events", 100_000);
const REBUILD = !process.argv.includes("--no-rebuild");
const NODES = 64;
const here = fileURLToPath(new URL(".", import.meta.url));
let idn = 0;
const id = () => `bench-${process.pid}-${(idn++).toString().padStart(8, "0")}`;

async function ask(nc: NatsConnection, subject: string, body: unknown): Promise<any> {
  const m = await nc.request(subject, JSON.stringify({ id: id(), body }), { timeout: 30_000 });
  const reply = JSON.parse(new TextDecoder().decode(m.data));
  if (!reply.ok) throw new Error(`${subject}: ${reply.error.code} ${reply.error.message}`);
  return reply.result;
}

function serve(url: string, db: string): Promise<{ proc: ChildProcess; seq: number; ms: number }> {
  const proc = spawn(process.execPath, [...(process.env.BENCH_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROF}`] : []), ...(process.env.BENCH_IMPORT ? ["--import", process.env.BENCH_IMPORT] : []), "--import", "tsx", join(here, "coordinator-serve.ts"), url, db], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once("line", (line) => {
      const [word, seq, ms] = line.split(" ");
      if (word === "ready") resolve({ proc, seq: Number(seq), ms: Number(ms) });
      else reject(new Error(line));
    });
    proc.once("exit", (code) => reject(new Error(`coordinator exited ${code}`)));
  });
}

/** CPU time a process has used, in ms; 0 for one that has no PID (never started). */
const cpuOf = (pid: number | undefined): number => (pid === undefined ? 0 : cpuMs(pid));

/**
 * CPU per decision of each process over a phase: far less sensitive than a rate to the
 * other work on a shared machine, so an A/B of the append path can be read from it.
 */
async function withCpu(pids: Record<string, number | undefined>, count: number, phase: () => Promise<number>): Promise<[number, string]> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuOf(pid)]));
  const self0 = process.cpuUsage();
  const rate = await phase();
  const self = process.cpuUsage(self0);
  const per = (ms: number): string => `${((ms * 1000) / count).toFixed(0)} µs`;
  const parts = Object.entries(pids).map(([k, pid]) => `${k} ${per(cpuOf(pid) - before[k]!)}`);
  parts.push(`bench clients ${per((self.user + self.system) / 1000)}`);
  return [rate, `CPU per decision: ${parts.join(", ")}`];
}

async function starts(nc: NatsConnection, from: number, count: number, clients: number): Promise<number> {
  let next = from;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < from + count) {
        const i = next++;
        await ask(nc, subjects.commandSubject("run"), { name: `c${i}`, node: `n${(i % NODES) + 1}`, image: "busybox", cmd: [], ports: [] });
      }
    }),
  );
  return count / ((performance.now() - t0) / 1000);
}

async function foldAlone(nc: NatsConnection, dir: string, last: number): Promise<number> {
  const envs: [number, Envelope][] = [];
  const c = await nc.jetstream().consumers.get(subjects.STREAM_EVENTS, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 });
  for await (const m of await c.consume({ max_messages: 1000 })) {
    envs.push([m.seq, parseEnvelope(m.data)]);
    if (m.seq >= last) break;
  }
  const p = Projection.open(join(dir, "fold-only.db"));
  const t0 = performance.now();
  for (const [seq, env] of envs) {
    p.apply(seq, env);
    if (seq % 1000 === 0) p.flush();
  }
  p.flush();
  const rate = envs.length / ((performance.now() - t0) / 1000);
  p.close();
  return rate;
}

/** The broker's own pace right now (the machine is shared): sequential awaited appends. */
async function baseline(nc: NatsConnection): Promise<number> {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: "BENCH_BASE", subjects: ["bench.base"] });
  const js = nc.jetstream();
  const t0 = performance.now();
  for (let i = 0; i < 2000; i++) await js.publish("bench.base", "x", { msgID: `b${i}` });
  const rate = 2000 / ((performance.now() - t0) / 1000);
  await jsm.streams.delete("BENCH_BASE");
  return rate;
}

async function rebuild(nc: NatsConnection, url: string, dir: string, procs: ChildProcess[]): Promise<void> {
  const base = (await (await nc.jetstreamManager()).streams.info(subjects.STREAM_EVENTS)).state.last_seq;
  const added = await fillStream(nc, history(EVENTS - base, { nodes: NODES }), false);
  const last = base + added;
  const rebuilt = await serve(url, join(dir, "b.db"));
  procs.push(rebuilt.proc);
  console.log(`projection rebuild (coordinator start): ${Math.round(last / (rebuilt.ms / 1000))} events/s (${last} events in ${rebuilt.ms} ms)`);
  await stopProcess(rebuilt.proc);
  const alone = await foldAlone(nc, dir, last);
  console.log(`fold + SQLite alone:                 ${Math.round(alone)} events/s`);
}

const srv = await startNats();
const dir = mkdtempSync(join(tmpdir(), "ovl-bench-coord-"));
const nc = await srv.connect();
const procs: ChildProcess[] = [];
try {
  await ensureStreams(await nc.jetstreamManager());
  console.log(`baseline: sequential awaited js.publish: ${Math.round(await baseline(nc))} msg/s`);
  const coord = await serve(srv.url, join(dir, "a.db"));
  procs.push(coord.proc);
  await Promise.all(Array.from({ length: NODES }, (_, i) => ask(nc, subjects.reportSubject(`n${i + 1}`, "join"), { node: `n${i + 1}`, underlayIp: `198.18.0.${i + 11}`, agentVersion: "bench" })));
  await starts(nc, 0, 200, 16); // warm-up
  const pids = { coordinator: coord.proc.pid, "nats-server": srv.pid };
  if (SINGLE > 0) {
    const [single, singleCpu] = await withCpu(pids, SINGLE, () => starts(nc, 200, SINGLE, 1));
    console.log(`container starts, 1 client:          ${Math.round(single)} decisions/s (${singleCpu})`);
  }
  const [many, manyCpu] = await withCpu(pids, STARTS, () => starts(nc, 200 + SINGLE, STARTS, CLIENTS));
  console.log(`container starts, ${CLIENTS} clients:        ${Math.round(many)} decisions/s (${STARTS} starts; ${manyCpu})`);
  console.log(`load average during the run: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
  await stopProcess(coord.proc);
  if (REBUILD) await rebuild(nc, srv.url, dir, procs);
} finally {
  for (const p of procs) await stopProcess(p);
  await nc.close();
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
}
