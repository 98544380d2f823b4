/**
 * `npm run faults`: the fault-injection suite, full form. A 3-server NATS cluster (streams
 * with 3 replicas), two `ovl coordinator` processes, simulated agent processes, concurrent
 * clients; per phase `--starts` container starts (default 500) while a coordinator, the
 * stream leader's nats-server, an agent, then all three together are killed -9 (each started
 * again after `--down` seconds, as a supervisor would). Prints the table and exits non-zero
 * when anything was lost, doubled, left unanswered, held twice or leaked.
 *   npm run faults -- [--starts N] [--broker single|cluster] [--down SEC] [--json FILE]
 *
 * `--lab`: the same phases on the lab cluster (test/faults/lab.ts): 3 nodes with dockerd, the
 * lab's 3 nats-servers, two coordinators, REAL agents (Docker and the kernel), and two
 * containers on n1 and n2 pinging each other every `--ping-ms` during every phase. Needs root;
 * waits for another lab to come down. Default 100 starts per phase there (real containers on
 * 2 cores: see docs/faults.md); `--starts 500` is the full size.
 *   npm run faults -- --lab [--starts N] [--down SEC] [--ping-ms MS] [--json FILE]
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { faultTable, runFaults, type Fault, type PhaseResult } from "../test/support/fault-harness.js";
import { pingTable, runLabFaults } from "../test/support/fault-lab.js";

function options() {
  const { values } = parseArgs({
    options: {
      starts: { type: "string" },
      lab: { type: "boolean", default: false },
      "ping-ms": { type: "string", default: "20" },
      broker: { type: "string", default: "cluster" },
      down: { type: "string", default: "1" },
      faults: { type: "string", default: "coordinator,server,agent,all" },
      json: { type: "string" },
    },
  });
  const lab = values.lab === true;
  const starts = Number(values.starts ?? (lab ? 100 : 500));
  const pingMs = Number(values["ping-ms"]);
  if (!Number.isInteger(pingMs) || pingMs < 10 || pingMs > 1000) throw new Error("--ping-ms: an integer from 10 to 1000");
  const down = Number(values.down);
  const faults = values.faults!.split(",") as Fault[];
  if (!Number.isInteger(starts) || starts < 3 || starts > 5000) throw new Error("--starts: an integer from 3 to 5000");
  if (!(down >= 0 && down <= 60)) throw new Error("--down: seconds from 0 to 60");
  if (values.broker !== "single" && values.broker !== "cluster") throw new Error("--broker: single or cluster");
  if (!faults.every((f) => ["none", "coordinator", "server", "agent", "all"].includes(f))) throw new Error("--faults: none,coordinator,server,agent,all");
  return { lab, pingMs, starts, downMs: down * 1000, broker: values.broker as "single" | "cluster", faults, json: values.json };
}

const bad = (r: PhaseResult): boolean =>
  r.unanswered > 0 || r.lost > 0 || r.duplicated > 0 || r.doubleAddresses > 0 || r.leakedAddresses > 0 || !r.coordinatorsMatchFold || !r.allRunning || r.succeeded + r.failed !== r.requests;

async function main(): Promise<number> {
  const o = options();
  const log = (l: string) => process.stderr.write(`${new Date().toISOString()} ${l}\n`);
  if (o.lab) return lab(o, log);
  log(`faults: ${o.broker} broker, ${o.starts} starts per phase, phases ${o.faults.join(", ")}`);
  const rows = await runFaults({ broker: o.broker, faults: o.faults, starts: o.starts, downMs: o.downMs, clients: 4, inFlight: 4, log });
  process.stdout.write(`${faultTable(rows)}\n`);
  for (const r of rows) process.stdout.write(`${r.fault}: killed ${r.killed.join(" + ") || "nothing"}; errors ${JSON.stringify(r.errors)}; landed after an error reply ${r.landedAfterError}\n`);
  if (o.json) writeFileSync(o.json, JSON.stringify({ broker: o.broker, starts: o.starts, rows }, null, 2));
  return rows.some(bad) ? 1 : 0;
}

async function lab(o: ReturnType<typeof options>, log: (l: string) => void): Promise<number> {
  log(`faults on the lab: 3 brokers, real agents, ${o.starts} starts per phase, pings every ${o.pingMs} ms, phases ${o.faults.join(", ")}`);
  const t0 = Date.now();
  const r = await runLabFaults({ faults: o.faults, starts: o.starts, downMs: o.downMs, clients: 4, inFlight: 4, pingIntervalMs: o.pingMs, log });
  process.stdout.write(`${faultTable(r.rows)}\n\n${pingTable(r.rows)}\n\n`);
  for (const row of r.rows) process.stdout.write(`${row.fault}: killed ${row.killed.join(" + ") || "nothing"}; errors ${JSON.stringify(row.errors)}; landed after an error reply ${row.landedAfterError}\n`);
  process.stdout.write(`at the end: leaked addresses ${r.leakedAtEnd}, ovl containers left in Docker ${r.dockerLeft}; ${((Date.now() - t0) / 1000).toFixed(0)} s in all\n`);
  if (o.json) writeFileSync(o.json, JSON.stringify({ lab: true, starts: o.starts, ...r }, null, 2));
  const pingsBroken = r.rows.some((row) => row.pings.some((p) => p.received === 0));
  return r.rows.some(bad) || r.leakedAtEnd > 0 || r.dockerLeft > 0 || pingsBroken ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`faults: ${err.stack ?? err.message}\n`);
    process.exit(2);
  },
);
