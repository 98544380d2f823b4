/**
 * One scale configuration, without the rest of `npm run bench` (no root, no build, no
 * report): for A/B runs while working on the fan-out. Prints the figures as one JSON line.
 *   npx tsx bench/scale/one.ts --nodes 50 --per-process 1 --events 200 --rate 25 [--containers 0] [--rebuild]
 */
import { parseArgs } from "node:util";
import { runFanout } from "./fanout.js";
import { stopAll } from "../lib/proc.js";

const { values: v } = parseArgs({
  options: {
    nodes: { type: "string", default: "50" },
    "per-process": { type: "string", default: "1" },
    containers: { type: "string", default: "0" },
    events: { type: "string", default: "200" },
    rate: { type: "string", default: "25" },
    rebuild: { type: "boolean", default: false },
  },
});
const int = (name: string, raw: string | undefined, min: number, max: number): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} takes an integer in ${min}..${max}`);
  return n;
};
const nodes = int("nodes", v.nodes, 1, 1000);
try {
  const r = await runFanout({
    nodes, perProcess: int("per-process", v["per-process"], 1, 1000), containers: int("containers", v.containers, 0, 20_000),
    events: int("events", v.events, 1, 10_000), rate: int("rate", v.rate, 1, 1000),
    cidr: "10.240.0.0/16", blockPrefix: nodes <= 100 ? 25 : 26, rebuild: v.rebuild!, oneAgentRss: v.rebuild!,
    log: (l) => void process.stderr.write(`${l}\n`),
  });
  const ms = (s: { median: number; p99: number; max: number; n: number }) => ({ n: s.n, p50: +s.median.toFixed(2), p99: +s.p99.toFixed(2), max: +s.max.toFixed(2) });
  console.log(JSON.stringify({
    perAgent: ms(r.perAgent), lastAgent: ms(r.lastAgent), events: r.eventsMeasured, cpuPerEventAgentUs: Math.round(r.cpuPerEventAgentUs), streamEvents: r.streamEvents, joinS: +(r.joinMs / 1000).toFixed(1),
    loadPerSec: Math.round(r.loadPerSec), coordinatorMiB: +(r.coordinatorRss / 2 ** 20).toFixed(0), hostMiB: +(r.hostRss.median / 2 ** 20).toFixed(0),
    oneAgentMiB: r.oneAgentRss === null ? null : +(r.oneAgentRss / 2 ** 20).toFixed(0), rebuildMs: r.rebuildMs === null ? null : Math.round(r.rebuildMs),
  }));
} finally {
  await stopAll();
}
