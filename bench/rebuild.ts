/**
 * Projection rebuild, stage by stage, against a real nats-server (docs/benchmarks.md, Targets: >= 50,000
 * events/s at coordinator start over 100,000 events). One stream is filled once; then, in
 * rounds (interleaved, so a busy machine slows every stage alike):
 *   read    ordered-consumer replay of the stream, nothing else (the broker + client floor)
 *   parse   parseEnvelope over the stored payloads, in memory
 *   fold    Projection.apply + flush per 1000 over the parsed envelopes, in memory (no NATS)
 *   catchup startup.ts `catchUp` into a fresh projection: the coordinator's start when it
 *           catches up before serving (large commits, no Nats-Msg-Id read)
 *   start   runCoordinator on a deleted (fresh) SQLite file until it serves: the figure
 *   npx tsx bench/rebuild.ts [--events N] [--rounds R] [--no-req] [--only read,parse,fold,catchup,start]
 * Each stage prints events/s (wall) and this process's CPU per event (the machine is
 * shared: CPU shows the cost apart from waiting for a core). --no-req stores the events
 * without a request id (bench/coordinator.ts's fill); by default each carries a random one,
 * as the clients make them, so the fold also writes the request rows.
 * Profile: node --cpu-prof --import tsx bench/rebuild.ts --only start.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeliverPolicy, type NatsConnection } from "nats";
import { DEFAULT_CLUSTER, parseEnvelope, subjects, type Envelope } from "@ovl/domain";
import { ensureStreams } from "@ovl/broker-setup";
import { catchUp, Projection, runCoordinator } from "@ovl/coordinator";
import { startNats } from "../test/support/nats.js";
import { fillStream, history } from "./lib/history.js";

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : def;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} takes a positive integer`);
  return v;
};
const EVENTS = arg("events", 100_000);
const ROUNDS = arg("rounds", 3);
const WITH_REQ = !process.argv.includes("--no-req");
const STAGES = ["read", "parse", "fold", "catchup", "start"] as const;
const onlyAt = process.argv.indexOf("--only");
const ONLY = new Set(onlyAt > 0 ? (process.argv[onlyAt + 1] ?? "").split(",") : STAGES);
for (const s of ONLY) if (!(STAGES as readonly string[]).includes(s)) throw new Error(`--only takes ${STAGES.join(",")}`);
const NODES = 64;
const CLUSTER = { ...DEFAULT_CLUSTER, cidr: "198.19.0.0/18", blockPrefix: 24 };

async function read(nc: NatsConnection, last: number): Promise<[number, Uint8Array][]> {
  const out: [number, Uint8Array][] = [];
  const c = await nc.jetstream().consumers.get(subjects.STREAM_EVENTS, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 });
  const msgs = await c.consume({ max_messages: 512 });
  for await (const m of msgs) {
    out.push([m.seq, m.data]);
    if (m.seq >= last) break;
  }
  return out;
}

const fresh = (dir: string, name: string): string => {
  const db = join(dir, name);
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  return db;
};

function fold(dir: string, envs: [number, Envelope][]): void {
  const p = Projection.open(fresh(dir, "fold.db"));
  for (const [seq, env] of envs) {
    p.apply(seq, env);
    if (seq % 1000 === 0) p.flush();
  }
  p.close();
}

async function caughtUp(nc: NatsConnection, dir: string, last: number): Promise<void> {
  const p = Projection.open(fresh(dir, "catchup.db"));
  try {
    await catchUp(nc, p, last, (line) => console.error(line));
    if (p.seq !== last) throw new Error(`caught up to ${p.seq}, the stream ends at ${last}`);
  } finally {
    p.close();
  }
}

async function start(nc: NatsConnection, dir: string, last: number): Promise<void> {
  const h = await runCoordinator({ nc, dbPath: fresh(dir, "start.db"), cluster: CLUSTER, lostAfterMs: 0, setupStreams: false });
  try {
    if (h.seq() !== last) throw new Error(`the coordinator served at seq ${h.seq()}, the stream ends at ${last}`);
  } finally {
    await h.stop();
  }
}

/** The result, the wall time and this process's CPU time, in ms. */
async function timed<T>(f: () => Promise<T> | T): Promise<[T, number, number]> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const v = await f();
  const c = process.cpuUsage(c0);
  return [v, performance.now() - t0, (c.user + c.system) / 1000];
}

const srv = await startNats();
const dir = mkdtempSync(join(tmpdir(), "ovl-bench-rebuild-"));
const nc = await srv.connect();
try {
  await ensureStreams(await nc.jetstreamManager());
  const last = await fillStream(nc, history(EVENTS, { nodes: NODES, cluster: CLUSTER }), WITH_REQ);
  console.log(`stream: ${last} events (${WITH_REQ ? "each with a random request id" : "no request ids"}), ${ROUNDS} rounds`);
  const cost = ([, ms, cpu]: [unknown, number, number]) => `${Math.round(last / (ms / 1000))}/s (cpu ${((cpu * 1000) / last).toFixed(1)} us/event)`;
  for (let r = 1; r <= ROUNDS; r++) {
    const line: string[] = [];
    if (ONLY.has("read") || ONLY.has("parse") || ONLY.has("fold")) {
      const readT = await timed(() => read(nc, last));
      if (ONLY.has("read")) line.push(`read ${cost(readT)}`);
      const parseT = await timed(() => readT[0].map(([seq, data]) => [seq, parseEnvelope(data)] as [number, Envelope]));
      if (ONLY.has("parse")) line.push(`parse ${cost(parseT)}`);
      if (ONLY.has("fold")) line.push(`fold+SQLite ${cost(await timed(() => fold(dir, parseT[0])))}`);
    }
    if (ONLY.has("catchup")) line.push(`catchUp ${cost(await timed(() => caughtUp(nc, dir, last)))}`);
    if (ONLY.has("start")) line.push(`coordinator start ${cost(await timed(() => start(nc, dir, last)))}`);
    console.log(`round ${r}: ${line.join("  ")}`);
  }
} finally {
  await nc.close();
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
}
