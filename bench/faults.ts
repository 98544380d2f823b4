/**
 * `npm run faults`: the fault-injection suite, full form. A 3-server NATS cluster (streams
 * with 3 replicas), two `ovl coordinator` processes, simulated agent processes, concurrent
 * clients; per phase `--starts` container starts (default 500) while a coordinator, the
 * stream leader's nats-server, an agent, then all three together are killed -9 (each started
 * again after `--down` seconds, as a supervisor would). Prints the table and exits non-zero
 * when anything was lost, doubled, left unanswered, held twice or leaked.
 *   npm run faults -- [--starts N] [--broker single|cluster] [--down SEC] [--json FILE]
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { faultTable, runFaults, type Fault, type PhaseResult } from "../test/faults/harness.js";

function options() {
  const { values } = parseArgs({
    options: {
      starts: { type: "string", default: "500" },
      broker: { type: "string", default: "cluster" },
      down: { type: "string", default: "1" },
      faults: { type: "string", default: "coordinator,server,agent,all" },
      json: { type: "string" },
    },
  });
  const starts = Number(values.starts);
  const down = Number(values.down);
  const faults = values.faults!.split(",") as Fault[];
  if (!Number.isInteger(starts) || starts < 3 || starts > 5000) throw new Error("--starts: an integer from 3 to 5000");
  if (!(down >= 0 && down <= 60)) throw new Error("--down: seconds from 0 to 60");
  if (values.broker !== "single" && values.broker !== "cluster") throw new Error("--broker: single or cluster");
  if (!faults.every((f) => ["none", "coordinator", "server", "agent", "all"].includes(f))) throw new Error("--faults: none,coordinator,server,agent,all");
  return { starts, downMs: down * 1000, broker: values.broker as "single" | "cluster", faults, json: values.json };
}

const bad = (r: PhaseResult): boolean =>
  r.unanswered > 0 || r.lost > 0 || r.duplicated > 0 || r.doubleAddresses > 0 || r.leakedAddresses > 0 || !r.coordinatorsMatchFold || !r.allRunning || r.succeeded + r.failed !== r.requests;

async function main(): Promise<number> {
  const o = options();
  const log = (l: string) => process.stderr.write(`${new Date().toISOString()} ${l}\n`);
  log(`faults: ${o.broker} broker, ${o.starts} starts per phase, phases ${o.faults.join(", ")}`);
  const rows = await runFaults({ broker: o.broker, faults: o.faults, starts: o.starts, downMs: o.downMs, clients: 4, inFlight: 4, log });
  process.stdout.write(`${faultTable(rows)}\n`);
  for (const r of rows) process.stdout.write(`${r.fault}: killed ${r.killed.join(" + ") || "nothing"}; errors ${JSON.stringify(r.errors)}; landed after an error reply ${r.landedAfterError}\n`);
  if (o.json) writeFileSync(o.json, JSON.stringify({ broker: o.broker, starts: o.starts, rows }, null, 2));
  return rows.some(bad) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`faults: ${err.stack ?? err.message}\n`);
    process.exit(2);
  },
);
