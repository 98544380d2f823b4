/**
 * SIMULATED agents, many per process: the real agent code (runAgent: join, follow, fold,
 * reconcile, report, heartbeats) with the RecordingRuntime in place of Docker and the
 * kernel. One NATS connection per agent, as deployed.
 *   node --import tsx bench/scale/agents.ts <nats-url> <first-index> <count>
 * Node k is named s<k>, with a made-up LAN address (never configured anywhere).
 * stdout protocol, one JSON object per line:
 *   {"ready":n}                       all joined and caught up
 *   {"seqs":[min,max],"rss":bytes}    answer to "status"
 *   {"watching":[from,to]}          answer to "watch"
 *   {"cpuUs":n}                       answer to "cpu": this process's CPU time (user + system)
 *                                     since "watch", in µs
 *   {"fold":{"<seq>":[t,...]}}        answer to "report": for every seq in the watch window,
 *                                     the epoch ms at which each agent folded it (the agent's
 *                                     onApplied hook: no polling, which would itself eat the
 *                                     CPU being measured)
 * stdin: "status" | "watch <from> <to>" | "cpu" | "report" | "quit"
 * OVL_BENCH_AGENT_WINDOW_PROF=<dir>: a V8 CPU profile of the watch window alone (from "watch"
 * to "cpu"), written to <dir> (OVL_BENCH_AGENT_PROF profiles the whole process: join, load,
 * quit).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session } from "node:inspector/promises";
import { createInterface } from "node:readline";
import { connect } from "nats";
import { RecordingRuntime, runAgent, type AgentHandle } from "@ovl/node-agent";
import { epochMs } from "../lib/stats.js";

const [url, firstRaw, countRaw] = process.argv.slice(2);
const first = Number(firstRaw), count = Number(countRaw);
if (!url?.startsWith("nats://") || !(first >= 1) || !(count >= 1 && count <= 1000)) {
  process.stderr.write("usage: agents.ts <nats-url> <first-index> <count (1..1000)>\n");
  process.exit(2);
}
const say = (o: unknown): void => void process.stdout.write(JSON.stringify(o) + "\n");
/** s<k> at 100.64.x.y: unique per index, in the shared address space, never put on a link. */
const fakeIp = (k: number): string => `100.64.${Math.floor(k / 250)}.${(k % 250) + 1}`;

const dir = mkdtempSync(join(tmpdir(), "ovl-bench-agents-"));
process.once("exit", () => rmSync(dir, { recursive: true, force: true })); // also when ended mid-join
const handles: AgentHandle[] = [];
const runtimes: RecordingRuntime[] = [];
const conns: Awaited<ReturnType<typeof connect>>[] = [];
let window: { from: number; to: number; times: Map<number, number[]>; cpu: NodeJS.CpuUsage } | null = null;
/** Each agent's fold calls this once per event: one clock read, kept when the seq is watched. */
const onApplied = (seq: number): void => {
  if (window && seq >= window.from && seq <= window.to) window.times.get(seq)!.push(epochMs());
};
for (let k = first; k < first + count; k++) {
  const nc = await connect({ servers: url, name: `bench-sim-agent s${k}` });
  conns.push(nc);
  const runtime = new RecordingRuntime();
  runtimes.push(runtime);
  handles.push(await runAgent({ nc, node: `s${k}`, underlayIp: fakeIp(k), lanMtu: 1500, stateDir: join(dir, `s${k}`), runtime, heartbeatMs: 30_000, reconcileMs: 600_000, onApplied }));
}
// The recorder keeps every view it was handed (for tests); a real runtime keeps none, so the
// log is dropped here lest it be counted as the agent's memory.
const trim = setInterval(() => runtimes.forEach((r) => (r.syncs.length = 0)), 1000);

/** OVL_BENCH_AGENT_WINDOW_PROF: the inspector's profiler, started at "watch", written at "cpu". */
const windowProfile = (() => {
  const dir = process.env.OVL_BENCH_AGENT_WINDOW_PROF;
  if (!dir || !/^\/[\w./-]+$/.test(dir)) return { start: async () => undefined, stop: async () => undefined };
  const session = new Session();
  return {
    async start() {
      session.connect();
      await session.post("Profiler.enable");
      await session.post("Profiler.start");
    },
    async stop() {
      const { profile } = await session.post("Profiler.stop");
      writeFileSync(join(dir, `window-${process.pid}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
})();

const seqs = (): number[] => handles.map((h) => h.seq());

async function waitCaughtUp(): Promise<void> {
  // The agents fold from the start: wait until every one has read as far as the first one.
  for (let i = 0; i < 600; i++) {
    const s = seqs();
    if (Math.min(...s) === Math.max(...s) && Math.min(...s) > 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
await waitCaughtUp();
say({ ready: handles.length });

createInterface({ input: process.stdin }).on("line", (line) => {
  const [cmd, a, b] = line.trim().split(" ");
  // memoryUsage.rss(): memoryUsage() walks the heap spaces, and the bench asks every 250 ms.
  if (cmd === "status") say({ seqs: [Math.min(...seqs()), Math.max(...seqs())], rss: process.memoryUsage.rss() });
  else if (cmd === "watch") {
    const from = Number(a), to = Number(b);
    const times = new Map<number, number[]>();
    for (let q = from; q <= to; q++) times.set(q, []);
    void windowProfile.start().then(() => {
      window = { from, to, times, cpu: process.cpuUsage() };
      say({ watching: [from, to] });
    });
  } else if (cmd === "cpu") {
    const d = process.cpuUsage(window?.cpu);
    say({ cpuUs: d.user + d.system });
    void windowProfile.stop();
  } else if (cmd === "report") say({ fold: Object.fromEntries(window?.times ?? []) });
  else if (cmd === "quit") void quit();
});

async function quit(): Promise<void> {
  clearInterval(trim);
  await Promise.all(handles.map((h) => h.stop()));
  await Promise.all(conns.map((c) => c.close()));
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
process.once("SIGTERM", () => void quit());
