/**
 * Listings at size on a stock nats-server (max_payload 1 MB, the default a user's own NATS
 * has): 200 nodes and 40,000 running containers appended in bulk (bench/lib/history.ts),
 * one coordinator process (`ovl coordinator`, the real bundle), then in rounds the real
 * `ovl ps --json`, `ovl nodes --json` and `ovl ps --node r7 --json` as a user runs them,
 * each timed from spawn to exit and checked whole (every row there). The coordinator's
 * resident memory is read from /proc after the rounds (VmRSS, and VmHWM: its peak).
 *   npx tsx bench/listings.ts [--rounds R]      (also `npm run bench -- --only listings`)
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_CLUSTER } from "@ovl/domain";
import { ensureStreams } from "@ovl/broker-setup";
import { OvlClient } from "@ovl/client";
import { startNats } from "../test/support/nats.js";
import { fillStream, history } from "./lib/history.js";
import { startChild } from "./lib/proc.js";
import { peakRssBytes, rssBytes } from "./lib/procfs.js";
import { makeRow, variant } from "./lib/rows.js";
import type { Row, Section } from "./lib/report-types.js";
import { interleave } from "./lib/stats.js";

const NODES = 200;
const CONTAINERS = 40_000;
const STOCK_MAX_PAYLOAD = 1024 * 1024;
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OVL = join(ROOT, "packages", "cli", "bin", "ovl.mjs");
const MiB = 2 ** 20;

export const LISTINGS_METHOD =
  `A nats-server on loopback with max_payload 1 MB (the stock default), ${NODES} nodes and ${CONTAINERS.toLocaleString("en")} running containers appended to OVL_EVENTS ` +
  "in bulk (no agents: the nodes send no heartbeats, `--lost-after 0`), one `ovl coordinator` process. Each command is the real `ovl` bundle spawned as a user runs it, " +
  "timed from spawn to exit, its output parsed and counted; the commands take turns, round after round. Memory: the coordinator's VmRSS and VmHWM (peak) after the rounds.";

interface Timed {
  readonly ms: number;
  readonly stdout: string;
}

function run(args: readonly string[]): Promise<Timed> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [OVL, ...args], { maxBuffer: 512 * MiB, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`ovl ${args.join(" ")}: ${stderr.trim() || err.message}`));
      resolve({ ms: performance.now() - t0, stdout });
    });
  });
}


export async function listingsSection(rounds: number, log: (l: string) => void): Promise<Section> {
  const dir = mkdtempSync(join(tmpdir(), "ovl-bench-listings-"));
  const srv = await startNats({ maxPayload: STOCK_MAX_PAYLOAD });
  const errors: string[] = [];
  const notes: string[] = [];
  let coordinator: ReturnType<typeof startChild> | null = null;
  try {
    const nc = await srv.connect();
    await ensureStreams(await nc.jetstreamManager());
    const cluster = { ...DEFAULT_CLUSTER, cidr: "198.19.0.0/16", blockPrefix: 24 };
    const events = await fillStream(nc, history(1 + 2 * NODES + 2 * CONTAINERS, { nodes: NODES, cluster }), false);
    await nc.close();
    log(`listings: ${events} events appended; starting the coordinator`);
    coordinator = startChild([process.execPath, OVL, "--nats", srv.url, "coordinator", "--db", join(dir, "coord.db"), "--lost-after", "0"]);
    await coordinator.waitLine(/coordinator serving/, 120_000);
    const pid = coordinator.proc.pid!;
    const rssServing = rssBytes(pid);

    const counts = new Map<string, number>();
    const commands: Record<string, { args: string[]; expect: number }> = {
      "ovl ps --json": { args: ["ps", "--json"], expect: CONTAINERS },
      "ovl nodes --json": { args: ["nodes", "--json"], expect: NODES },
      "ovl ps --node r7 --json": { args: ["ps", "--node", "r7", "--json"], expect: CONTAINERS / NODES },
    };
    let psBytes = 0;
    const samples = await interleave(rounds, Object.keys(commands), async (name) => {
      const c = commands[name]!;
      const r = await run(["--nats", srv.url, ...c.args]);
      const rows = JSON.parse(r.stdout) as unknown[];
      if (rows.length !== c.expect) throw new Error(`${name}: ${rows.length} rows, expected ${c.expect}`);
      counts.set(name, rows.length);
      if (name === "ovl ps --json") psBytes = JSON.stringify(rows).length;
      return r.ms;
    }, (name, e) => errors.push(`${name}: ${e.message}`));
    // The same request from this process: the transport and the coordinator without the CLI's start and printing.
    const client = new OvlClient(await srv.connect(), { timeoutMs: 60_000 });
    const inProcess: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const n = (await client.ps()).length;
      inProcess.push(performance.now() - t0);
      if (n !== CONTAINERS) errors.push(`client.ps(): ${n} rows, expected ${CONTAINERS}`);
    }
    await client.close();
    const rss = rssBytes(pid);
    const peak = peakRssBytes(pid);
    const pieces = Math.ceil(psBytes / (STOCK_MAX_PAYLOAD - 1024));
    notes.push(`the ps reply is ${(psBytes / MiB).toFixed(1)} MiB of JSON: ${pieces} pieces on this 1 MB server (one message would be refused); every listing counted whole`);
    const rows: Row[] = [
      makeRow({
        id: "listings-time", unit: "ms", higherIsBetter: false, ratiosOf: "-",
        title: `${NODES} nodes, ${CONTAINERS.toLocaleString("en")} containers, stock nats-server (1 MB max_payload): the command from spawn to exit`,
        variants: [
          ...Object.keys(commands).map((name) => variant(`${name} (${counts.get(name) ?? "?"} rows)`, samples[name] ?? [])),
          variant(`client.ps() in the bench process (${CONTAINERS} rows, no CLI start, nothing printed)`, inProcess),
        ],
        target: { text: "complete and whole on a 1 MB server", met: errors.length === 0 && counts.size === Object.keys(commands).length },
      }),
      makeRow({
        id: "listings-rss", unit: "MiB", higherIsBetter: false, ratiosOf: "-",
        title: `${NODES} nodes, ${CONTAINERS.toLocaleString("en")} containers: the coordinator's resident memory`,
        variants: [variant("serving, before the listings", [rssServing / MiB]), variant("after the rounds", [rss / MiB]), variant("peak (VmHWM)", [peak / MiB])],
      }),
    ];
    return { id: "listings", title: "Listings larger than the broker's message limit", method: LISTINGS_METHOD, rows, notes, errors };
  } finally {
    await coordinator?.stop();
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf("--rounds");
  const rounds = at > 0 ? Number(process.argv[at + 1]) : 5;
  const s = await listingsSection(rounds, (l) => process.stderr.write(`${l}\n`));
  for (const r of s.rows) for (const v of r.variants) console.log(`${r.id}  ${v.name}: median ${v.summary.median.toFixed(1)} ${r.unit} (min ${v.summary.min.toFixed(1)}, max ${v.summary.max.toFixed(1)}, n ${v.summary.n})`);
  for (const l of [...s.notes, ...s.errors]) console.log(l);
}
