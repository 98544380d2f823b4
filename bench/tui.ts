/**
 * TUI benchmark: a history of 100 nodes and 1,000 running containers, then bursts of
 * 10,000 events appended as fast as JetStream takes them (pipelined), while the TUI runs
 * in its own process in tmux (120x40) against a real nats-server. Figures per burst:
 *   - latency: from the last event's ack to the screen (capture-pane) showing its sequence
 *   - key latency: a key sent mid-burst until the screen shows its effect
 *   - the TUI process's CPU time during the burst, and its peak memory (VmHWM)
 *   npx tsx bench/tui.ts
 */
import { startNats } from "../test/support/nats.js";
import { appendEvents, burstEvents, clusterEvents, ensureEventStreams } from "../test/support/tui-seed.js";
import { Tmux, tuiEnv } from "../test/support/tmux.js";
import { cpuMs, peakRssBytes, rssBytes } from "./lib/procfs.js";

const NODES = 100;
const PER_NODE = 10;
const BURST = 10_000;
const BURSTS = 3;

const memory = (pid: number): { rss: number; hwm: number } => ({ rss: rssBytes(pid), hwm: peakRssBytes(pid) });
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
const seqText = (n: number) => n.toLocaleString("en-US");

const srv = await startNats();
const tmux = new Tmux(tuiEnv());
try {
  const nc = await srv.connect();
  await ensureEventStreams(nc);
  let last = await appendEvents(nc, clusterEvents(NODES, PER_NODE));
  console.log(`history: ${NODES} nodes, ${NODES * PER_NODE} containers, ${last} events`);
  const t0 = Date.now();
  await tmux.start(["node", "--import", "tsx", "packages/tui/src/main.ts", "--nats", srv.url]);
  const pid = await tmux.panePid();
  await tmux.waitFor(new RegExp(`● live · seq ${seqText(last)}`), 120_000);
  console.log(`startup to live with the history on screen: ${Date.now() - t0} ms (tsx compile + ${last} events replayed)`);
  for (let b = 1; b <= BURSTS; b++) {
    await tmux.keys(b % 2 ? "3" : "2");
    await new Promise((r) => setTimeout(r, 500));
    const cpu0 = cpuMs(pid);
    let keySent = 0;
    const keySeen = (async () => {
      while (!keySent) await new Promise((r) => setTimeout(r, 5));
      await tmux.waitFor(/^NAME +LAN ADDRESS/m, 30_000);
      return Date.now() - keySent;
    })();
    const events = burstEvents(NODES, BURST, `b${b}-`);
    const half = events.length / 2;
    const tb = Date.now();
    const first = appendEvents(nc, events.slice(0, half));
    await first;
    void tmux.keys("1").then(() => undefined);
    keySent = Date.now();
    last = await appendEvents(nc, events.slice(half));
    const acked = Date.now();
    await tmux.waitFor((s) => s.includes(`● live · seq ${seqText(last)}`), 60_000);
    const seen = Date.now();
    const keyMs = await keySeen;
    await new Promise((r) => setTimeout(r, 300));
    const cpu = cpuMs(pid) - cpu0;
    const mem = memory(pid);
    console.log(
      `burst ${b}: ${BURST} events appended in ${acked - tb} ms (${Math.round(BURST / ((acked - tb) / 1000))}/s); ` +
        `last event on screen ${seen - acked} ms after its ack; key mid-burst shown after ${keyMs} ms; ` +
        `TUI CPU ${Math.round(cpu)} ms; RSS ${mib(mem.rss)}, peak ${mib(mem.hwm)}; history now ${seqText(last)} events`,
    );
  }
  await nc.close();
} finally {
  await tmux.kill();
  await srv.stop();
}
