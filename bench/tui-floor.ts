/**
 * The TUI's floor: `ovl tui` on a history of one event, from process start until the header
 * says live, in tmux (120x40), against a real nats-server. Runs each bundle given in turn,
 * alternating, so that both see the same load; prints each run and the medians, with the
 * load average before and after, and the process's CPU time when live was seen (on a
 * loaded machine a steadier figure than the wall time).
 * With `--home DIR` (a broker store that bench/history.ts --store kept, DIR/<size>/nats): the
 * same on that history, until the header shows its last sequence live.
 *   npx tsx bench/tui-floor.ts [--runs 5] [--bin packages/cli/dist/ovl.mjs,/other/checkout/packages/cli/dist/ovl.mjs] [--home DIR]
 */
import { readFileSync } from "node:fs";
import { ensureStreams } from "@ovl/broker-setup";
import { lastSequence } from "@ovl/client";
import { startNats } from "../test/support/nats.js";
import { Tmux, tuiEnv } from "../test/support/tmux.js";
import { fillStream, history } from "./lib/history.js";
import { cpuMs, peakRssBytes } from "./lib/procfs.js";

const argOf = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] ?? def : def;
};
const RUNS = Number(argOf("runs", "5"));
const BINS = argOf("bin", "packages/cli/dist/ovl.mjs").split(",");
const CLUSTER = { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 1, vxlanPort: 4789, mtu: 1450 };
const HOME = argOf("home", "");
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

/** ms until live; cpu: the process's CPU time when live was seen (less bent by the machine's load than the wall time). */
async function once(bin: string, url: string, last: number): Promise<{ ms: number; cpu: number; mib: number }> {
  const tmux = new Tmux(tuiEnv());
  try {
    const t0 = Date.now();
    await tmux.start(["node", bin, "tui", "--nats", url]);
    const pid = await tmux.panePid();
    await tmux.waitFor((s) => s.includes(`● live · seq ${last.toLocaleString("en-US")}`), 60_000);
    const ms = Date.now() - t0;
    return { ms, cpu: cpuMs(pid), mib: peakRssBytes(pid) / 1024 / 1024 };
  } finally {
    await tmux.kill();
  }
}

const srv = await startNats(HOME ? { home: HOME } : {});
try {
  const nc = await srv.connect();
  for (let t = Date.now(); ; await new Promise((r) => setTimeout(r, 100))) {
    try {
      await ensureStreams(await nc.jetstreamManager());
      break;
    } catch (err) {
      if (Date.now() - t > 30_000) throw err; // a kept store recovers its streams first
    }
  }
  if (!HOME) await fillStream(nc, history(1, { nodes: 0, cluster: CLUSTER }), false);
  const last = await lastSequence(nc);
  console.log(`load average before: ${load()}`);
  const runs = new Map<string, number[]>(BINS.map((b) => [b, []]));
  const cpus = new Map<string, number[]>(BINS.map((b) => [b, []]));
  for (let r = 0; r < RUNS; r++) {
    for (const bin of BINS) {
      const { ms, cpu, mib } = await once(bin, srv.url, last);
      runs.get(bin)!.push(ms);
      cpus.get(bin)!.push(cpu);
      console.log(`${bin}: ${ms} ms, CPU ${cpu.toFixed(0)} ms, peak ${mib.toFixed(0)} MiB`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [bin, ms] of runs) console.log(`${bin}: median ${median(ms)} ms, min ${Math.min(...ms)} ms, CPU median ${median(cpus.get(bin)!)!.toFixed(0)} ms (n=${ms.length})`);
  console.log(`load average after: ${load()}`);
  await nc.close();
} finally {
  await srv.stop();
}
