/**
 * A long history, with and without snapshots: how long a reader takes to start, against a
 * real nats-server, on the busy cluster of bench/rebuild.ts (64 nodes, containers cycling
 * through 200 addresses per node). For each size: the stream is filled, a coordinator
 * catches up (and writes the snapshots every 10,000 events), then
 *   agent   runAgent (simulated runtime) until its first full sync, fresh state dir:
 *           from the newest snapshot, and with useSnapshots off (the whole history)
 *   tui     `ovl tui` (the built bundle) in tmux (120x40) until the header shows the
 *           last sequence live, and its peak memory (VmHWM): with snapshots, and with
 *           OVL_NO_SNAPSHOTS=1
 *   travel  the same TUI, opened from a snapshot, in time travel from live to seq 1 and back
 *           with `{` / `}` (1,000 events a key), `--burst` keys per send (one read of the
 *           terminal): the time per step until the bar shows the event at the cursor, and
 *           the TUI's memory (largest VmRSS seen after a step, and VmHWM at the end)
 * The machine's floor (process start, connect, first frame) is the first TUI row: a history
 * of one ClusterCreated event.
 *   npx tsx bench/history.ts [--events 10000,100000] [--only agent,tui,travel] [--tui-limit 120] [--burst 1] [--store DIR]
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SNAPSHOT_EVERY, snapshotSpacing, subjects } from "@ovl/domain";
import { ensureStreams } from "@ovl/broker-setup";
import { listSnapshots } from "@ovl/client";
import { runCoordinator } from "@ovl/coordinator";
import { RecordingRuntime, runAgent } from "@ovl/node-agent";
import { startNats, type TestNats } from "../test/support/nats.js";
import { Tmux, tuiEnv } from "../test/support/tmux.js";
import { fillStream, history } from "./lib/history.js";
import { peakRssBytes, rssBytes } from "./lib/procfs.js";

const argOf = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] ?? def : def;
};
const SIZES = argOf("events", "10000,100000").split(",").map(Number).filter((n) => n > 0); // `--events none`: the floor only
const ONLY = new Set(argOf("only", "agent,tui").split(","));
const CLUSTER = { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 1, vxlanPort: 4789, mtu: 1450 };
/** Keeps each size's broker store (and the coordinator's database) in DIR/<size>, filled once. */
const STORE = argOf("store", "");
const TUI_LIMIT_MS = Number(argOf("tui-limit", "120")) * 1000;
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function agentStart(nc: Awaited<ReturnType<Awaited<ReturnType<typeof startNats>>["connect"]>>, dir: string, useSnapshots: boolean): Promise<number> {
  const runtime = new RecordingRuntime({ keep: 1 });
  const stateDir = mkdtempSync(join(dir, "agent-"));
  const t0 = performance.now();
  const h = await runAgent({ nc, node: "r1", underlayIp: "198.18.1.1", lanMtu: 1500, stateDir, runtime, useSnapshots, snapshotEvery: 0, reconcileMs: 60_000 });
  while (runtime.syncCount === 0) await sleep(2);
  const ms = performance.now() - t0;
  await h.stop();
  return ms;
}

/** Until the header shows `last` live, or the limit: then how far it got. */
async function tuiOpen(url: string, last: number, useSnapshots: boolean): Promise<string> {
  const tmux = new Tmux(tuiEnv(useSnapshots ? {} : { OVL_NO_SNAPSHOTS: "1" }));
  try {
    const t0 = Date.now();
    await tmux.start(["node", "packages/cli/dist/ovl.mjs", "tui", "--nats", url]); // the bundle a user runs
    const pid = await tmux.panePid();
    try {
      await tmux.waitFor((s) => s.includes(`● live · seq ${last.toLocaleString("en-US")}`), TUI_LIMIT_MS);
      return `${Date.now() - t0} ms, peak memory ${mib(peakRssBytes(pid))}`;
    } catch {
      const at = /· seq ([\d,]+)/.exec(await tmux.capture())?.[1] ?? "?";
      return `not live after ${TUI_LIMIT_MS / 1000} s (at seq ${at}), peak memory ${mib(peakRssBytes(pid))}`;
    }
  } finally {
    await tmux.kill();
  }
}

const BURST = Number(argOf("burst", "1"));
/** Flags for the travelling TUI's node, e.g. `--node-flags=--max-old-space-size=160` (comma-separated). */
const NODE_FLAGS = argOf("node-flags", "").split(",").filter(Boolean);
const rss = rssBytes;
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

/** Steps of BURST keys from `from` toward `to`: ms per step until the bar shows the event there. */
async function travelLeg(tmux: Tmux, pid: number, from: number, to: number, peak: { rss: number }): Promise<number[]> {
  const ms: number[] = [];
  const dir = to < from ? -1 : 1;
  for (let at = from; at !== to; ) {
    const next = dir < 0 ? Math.max(to, at - 1000 * BURST) : Math.min(to, at + 1000 * BURST);
    const t0 = Date.now();
    await tmux.type((dir < 0 ? "{" : "}").repeat(BURST));
    const want = `seq ${next.toLocaleString("en-US")} of`;
    await tmux.waitFor((s) => s.includes(want) && !s.includes("reading this part"), Math.max(60_000, TUI_LIMIT_MS), want); // a step that reads from a far snapshot
    ms.push(Date.now() - t0);
    peak.rss = Math.max(peak.rss, rss(pid));
    at = next;
  }
  return ms;
}

/** `ovl tui` opened from a snapshot, travelling live → seq 1 → live. */
async function tuiTravel(url: string, last: number): Promise<string> {
  const tmux = new Tmux(tuiEnv());
  try {
    await tmux.start(["node", ...NODE_FLAGS, "packages/cli/dist/ovl.mjs", "tui", "--nats", url]);
    const pid = await tmux.panePid();
    await tmux.waitFor((s) => s.includes(`● live · seq ${last.toLocaleString("en-US")}`), TUI_LIMIT_MS);
    const peak = { rss: rss(pid) };
    await tmux.type("t");
    await tmux.waitFor((s) => s.includes(`seq ${last.toLocaleString("en-US")} of`), 10_000);
    // The first `{` from live lands on last-1000; the steps after it on whole thousands down to 1.
    const back = await travelLeg(tmux, pid, last, 1, peak);
    const forth = await travelLeg(tmux, pid, 1, last, peak);
    const leg = (xs: number[]) => `${xs.length} steps, median ${quantile(xs, 0.5)} ms, p90 ${quantile(xs, 0.9)} ms, max ${Math.max(...xs)} ms, total ${(xs.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s`;
    return `back: ${leg(back)}; forth: ${leg(forth)}; RSS after a step at most ${mib(peak.rss)}, peak memory ${mib(peakRssBytes(pid))}`;
  } finally {
    await tmux.kill();
  }
}

if (ONLY.has("tui")) {
  const srv = await startNats();
  try {
    const nc = await srv.connect();
    await ensureStreams(await nc.jetstreamManager());
    await fillStream(nc, history(1, { nodes: 0, cluster: CLUSTER }), false);
    console.log(`tui open until live, 1 event (the floor): ${await tuiOpen(srv.url, 1, true)}`);
    await nc.close();
  } finally {
    await srv.stop();
  }
}

/**
 * The broker for `size` events, filled (and its snapshots written) once: with `--store DIR`
 * the store stays in DIR/<size> for the next run, so a 1,000,000-event history is made once.
 */
async function openHistory(size: number): Promise<{ srv: TestNats; dir: string; done(): Promise<void> }> {
  const keep = STORE ? join(STORE, String(size)) : null;
  if (keep) mkdirSync(keep, { recursive: true });
  const dir = keep ?? mkdtempSync(join(tmpdir(), "ovl-bench-history-"));
  const srv = await startNats(keep ? { home: join(keep, "nats") } : {});
  const nc = await srv.connect();
  for (let t = Date.now(); ; await sleep(100)) {
    try {
      await ensureStreams(await nc.jetstreamManager());
      break;
    } catch (err) {
      if (Date.now() - t > 30_000) throw err; // a reused store recovers its streams first
    }
  }
  const jsm = await nc.jetstreamManager();
  if ((await jsm.streams.info(subjects.STREAM_EVENTS)).state.last_seq === 0) {
    const tf = Date.now();
    await fillStream(nc, history(size, { nodes: 64, cluster: CLUSTER }), true);
    console.log(`\nfilled in ${((Date.now() - tf) / 1000).toFixed(1)} s`);
  }
  await nc.close();
  return { srv, dir, done: async () => (await srv.stop(), keep ? undefined : rmSync(dir, { recursive: true, force: true })) };
}

for (const size of SIZES) {
  const { srv, dir, done } = await openHistory(size);
  try {
    const nc = await srv.connect();
    const last = (await (await nc.jetstreamManager()).streams.info(subjects.STREAM_EVENTS)).state.last_seq;
    console.log(`\n${last.toLocaleString("en-US")} events`);
    const tc = Date.now();
    const coord = await runCoordinator({ nc: await srv.connect(), dbPath: join(dir, "coord.db"), cluster: CLUSTER, lostAfterMs: 0 });
    // Every snapshot the schedule keeps (the newest is written first, the older ones after it).
    const spacing = snapshotSpacing(last, SNAPSHOT_EVERY);
    const wanted = Array.from({ length: Math.floor(last / spacing) }, (_, i) => (i + 1) * spacing);
    for (let t = Date.now(); ; await sleep(200)) {
      const have = new Set(await listSnapshots(nc));
      if (wanted.every((s) => have.has(s)) || Date.now() - t > 600_000) break;
    }
    console.log(`coordinator caught up and wrote snapshots ${(await listSnapshots(nc)).join(", ")} in ${((Date.now() - tc) / 1000).toFixed(1)} s`);
    if (ONLY.has("agent")) {
      for (const snap of [true, false]) {
        const ms = [];
        for (let r = 0; r < 3; r++) ms.push(await agentStart(nc, dir, snap));
        console.log(`agent start until first full sync, ${snap ? "from a snapshot" : "no snapshot    "}: ${ms.map((m) => m.toFixed(0)).join(" / ")} ms`);
      }
    }
    if (ONLY.has("tui")) {
      for (const snap of [true, false]) {
        console.log(`tui open until live, ${snap ? "from a snapshot" : "no snapshot    "}: ${await tuiOpen(srv.url, last, snap)}`);
      }
    }
    if (ONLY.has("travel")) {
      console.log(`tui travel to seq 1 and back, ${BURST} key(s) a step: ${await tuiTravel(srv.url, last)}`);
    }
    await coord.stop();
    await nc.close();
  } finally {
    await done();
  }
}
