/**
 * `npm run bench [-- --quick] [-- --out DIR] [-- --only net,jumbo,converge,scale,external,wire,listings,names,door] [-- --rounds N] [-- --mode auto|vxlan|direct]`
 *
 * `--only door` times Docker's door alone: `docker run --network ovl` until a ping from another
 * node answers, beside Swarm's attachable overlay and `docker run --network none` (paired
 * rounds, about 3 minutes with the default 8).
 *
 * `--only rtt` measures ovl's VXLAN round trip with one candidate cost switched off at a time
 * (bridge netfilter, the notrack rule, IPv6), beside it as it is and Swarm's (net/rtt-ab.ts).
 *
 * `--only wire` repeats the wire rows alone (LAN, the floor, ovl direct, ovl VXLAN, Swarm; 8
 * paired rounds of 2 s iperf3 runs, pings and request/response), on the lab that is up if
 * there is one (its routing mode gives its ovl paths), else on a fresh `auto` lab of 3 nodes
 * whose last is the lab's routed node (both ovl paths): a quick check of any claim in the report,
 * about 5 minutes. `--mode vxlan|direct` brings up a 2-node lab of that mode instead.
 *
 * ovl beside Docker Swarm's overlay and the LAN itself, on the lab (network namespaces,
 * one dockerd per node), plus the control plane at scale with simulated agents. Writes
 * report.md, report.json and chart.svg to docs/bench/ (or --out). Needs root, a machine
 * with no lab up (it waits, bounded, for someone else's lab to go), and about 20 minutes
 * (--quick: about 6). Everything it starts is stopped, and the lab brought down, also on
 * failure.
 */
import { execFileSync } from "node:child_process";
import { ROUTING_MODES, isRoutingMode, type RoutingMode } from "@ovl/domain";
import { join, resolve } from "node:path";
import { convergeSection } from "./net/converge.js";
import { ROOT } from "./net/lab.js";
import { netSection } from "./net/section.js";
import { diagnose } from "./net/diagnose.js";
import { scaleSection, type ScaleConfig } from "./scale/section.js";
import { EXTERNALS, runExternal } from "./external.js";
import { listingsSection } from "./listings.js";
import { namesSection } from "./net/names.js";
import { doorSection } from "./net/door.js";
import { machine } from "./lib/machine.js";
import { stopAll } from "./lib/proc.js";
import type { Section } from "./lib/report-types.js";
import { writeReport } from "./lib/report.js";
import { METHODS } from "./methods.js";

const SECTIONS = ["net", "jumbo", "converge", "scale", "external", "wire", "rtt", "listings", "names", "door"] as const;
/** "wire" and "rtt" are asked for by name only: the full run's "net" section has the wire rows; "rtt" is a diagnosis. */
const DEFAULT_SECTIONS: readonly SectionId[] = ["net", "jumbo", "converge", "scale", "external", "listings", "names", "door"];
/** Paired rounds per comparison row: fewer cannot carry a 95% interval over rounds. */
const MIN_ROUNDS = 8;
/** The jumbo-frame LAN of the "jumbo" section (the wire rows again; the overlays get 8950). */
const JUMBO_MTU = 9000;
type SectionId = (typeof SECTIONS)[number];

interface Args { quick: boolean; out: string; only: SectionId[]; scaleNodes: number[] | null; rounds: number; mode: RoutingMode }

function parseArgs(argv: readonly string[]): Args {
  let quick = false, out = join(ROOT, "docs", "bench"), only: SectionId[] = [...DEFAULT_SECTIONS], scaleNodes: number[] | null = null, rounds = MIN_ROUNDS, mode: RoutingMode = "auto";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") quick = true;
    else if (a === "--out" && argv[i + 1]) out = resolve(argv[++i]!);
    else if (a === "--scale-nodes" && argv[i + 1]) {
      scaleNodes = argv[++i]!.split(",").map(Number);
      if (scaleNodes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("--scale-nodes takes node counts, e.g. 100,500");
    }
    else if (a === "--rounds" && argv[i + 1]) {
      rounds = Number(argv[++i]);
      if (!Number.isInteger(rounds) || rounds < 2 || rounds > 100) throw new Error("--rounds takes a whole number of paired rounds from 2 to 100 (8 or more for an interval worth reading)");
    }
    else if (a === "--mode" && argv[i + 1]) {
      const m = argv[++i];
      if (!isRoutingMode(m)) throw new Error(`--mode takes ${ROUTING_MODES.join(", ")} (the routing mode of the lab the net, jumbo and wire rows bring up)`);
      mode = m;
    }
    else if (a === "--only" && argv[i + 1]) {
      only = argv[++i]!.split(",") as SectionId[];
      const bad = only.find((s) => !SECTIONS.includes(s));
      if (bad) throw new Error(`unknown section ${JSON.stringify(bad)}: use ${SECTIONS.join(",")}`);
    } else throw new Error(`unknown argument ${JSON.stringify(a)}: use --quick, --out DIR, --only ${SECTIONS.join(",")}, --scale-nodes N[,N], --rounds N, --mode ${ROUTING_MODES.join("|")}`);
  }
  return { quick, out, only, scaleNodes, rounds, mode };
}

function scaleConfigs(quick: boolean): ScaleConfig[] {
  if (quick) {
    return [
      { label: "100 nodes (SIMULATED, 50 per process), 2,000 containers", nodes: 100, perProcess: 50, containers: 2000, events: 50, rate: 20 },
      { label: "50 agent processes (SIMULATED, 1 per process)", nodes: 50, perProcess: 1, containers: 500, events: 100, rate: 25 },
    ];
  }
  return [
    { label: "100 nodes (SIMULATED, 50 per process), 10,000 containers", nodes: 100, perProcess: 50, containers: 10_000, events: 100, rate: 20 },
    { label: "500 nodes (SIMULATED, 100 per process), 10,000 containers", nodes: 500, perProcess: 100, containers: 10_000, events: 100, rate: 20 },
    // 500 starts first: a fresh process folds its first events in V8's interpreter (a real agent
    // runs for days), and the stream then holds a history. 25 starts/s = 50 events/s.
    { label: "50 agent processes (SIMULATED, 1 per process)", nodes: 50, perProcess: 1, containers: 500, events: 200, rate: 25 },
  ];
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error("npm run bench needs root (network namespaces, dockerd, iptables): run it as root");
  const log = (l: string): void => void process.stderr.write(`${l}\n`);
  const t0 = Date.now();
  const startedAt = new Date().toISOString();
  execFileSync(process.execPath, [join(ROOT, "packages", "cli", "build.mjs")], { stdio: "inherit" }); // time the `ovl` a user installs
  const sections: Section[] = [];
  const findings: string[] = [];
  const write = () => writeReport(opts.out, {
    title: "ovl benchmark: ovl beside Docker Swarm's overlay and the LAN",
    startedAt, durationS: (Date.now() - t0) / 1000, quick: opts.quick,
    command: `sudo npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`, machine: machine(), sections, findings,
  });
  // The report is rewritten after every section, so a run cut short still leaves what it measured.
  const add = (s: Section | null) => s && (sections.push({ ...s, method: s.method || METHODS[s.id] || "" }), write());
  if (opts.only.includes("net")) {
    add(await netSection({ rounds: opts.quick ? 3 : opts.rounds, startRounds: opts.quick ? 3 : opts.rounds, seconds: opts.quick ? 3 : 4, mode: opts.mode, log, diagnose: (lab, paths) => diagnose(lab, paths, findings, log, opts.out) }));
  }
  if (opts.only.includes("jumbo")) {
    add(await netSection({ rounds: opts.quick ? 3 : opts.rounds, startRounds: 0, startRows: false, seconds: opts.quick ? 3 : 4, lanMtu: JUMBO_MTU, mode: opts.mode, log }));
  }
  if (opts.only.includes("wire")) {
    add(await netSection({ id: "wire", rounds: opts.rounds, startRounds: 0, startRows: false, seconds: 2, existingLab: true, mode: opts.mode, log }));
  }
  if (opts.only.includes("rtt")) {
    add(await netSection({ id: "rtt", rows: "rtt", rounds: opts.rounds, startRounds: 0, startRows: false, seconds: 2, existingLab: true, mode: opts.mode, log }));
  }
  if (opts.only.includes("converge")) add(await convergeSection({ sizes: opts.quick ? [2, 5] : [2, 5, 10], trials: opts.quick ? 2 : 3, log }));
  if (opts.only.includes("scale")) add(await scaleSection(scaleConfigs(opts.quick).filter((c) => !opts.scaleNodes || opts.scaleNodes.includes(c.nodes)), log));
  if (opts.only.includes("external")) for (const e of EXTERNALS) add(await runExternal(e, opts.quick, log));
  if (opts.only.includes("listings")) add(await listingsSection(opts.quick ? 2 : 5, log));
  if (opts.only.includes("names")) add(await namesSection({ trials: opts.quick ? 10 : 40, log }));
  if (opts.only.includes("door")) add(await doorSection({ rounds: opts.quick ? 3 : opts.rounds, log }));
  write();
  log(`bench: report written to ${opts.out}/report.md (${((Date.now() - t0) / 60_000).toFixed(1)} min)`);
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
