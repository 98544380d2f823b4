/**
 * The short lab form of the fault suite (the full one: `npm run faults -- --lab`): the lab with
 * 3 nodes, 3 nats-servers, two coordinators and real agents; one phase of 20 starts during
 * which a coordinator, the stream leader's nats-server and an agent are killed -9 together
 * and started again; two containers on n1 and n2 ping each other every 20 ms meanwhile.
 * One phase, not four, to stay near 2 minutes (lab up and down included). Needs root (without it: says so and
 * passes); waits for another lab to come down (OVL_E2E_LAB_WAIT_S, default 600 s).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isRoot } from "../support/lab.js";
import { pingTable, runLabFaults } from "../support/fault-lab.js";
import { faultTable } from "../support/fault-harness.js";

process.env.OVL_FROM_SOURCE = "1";

test("faults on the lab: nothing lost, doubled or leaked, and the cross-node pings keep going", async () => {
  if (!isRoot()) return void console.log("    skipped: needs root");
  const log = (l: string) => console.log(`    ${l}`);
  const r = await runLabFaults({ faults: ["all"], starts: 20, downMs: 1000, clients: 2, inFlight: 4, labWaitMs: Number(process.env.OVL_E2E_LAB_WAIT_S ?? 600) * 1000, log });
  log(`\n${faultTable(r.rows)}\n\n${pingTable(r.rows)}`);
  for (const row of r.rows) {
    assert.is(row.succeeded + row.failed, row.requests, `${row.fault}: every request answered`);
    assert.is(row.unanswered, 0, `${row.fault}: unanswered`);
    assert.is(row.lost, 0, `${row.fault}: lost`);
    assert.is(row.duplicated, 0, `${row.fault}: duplicated`);
    assert.is(row.doubleAddresses, 0, `${row.fault}: an address held twice`);
    assert.is(row.leakedAddresses, 0, `${row.fault}: leaked addresses`);
    assert.ok(row.coordinatorsMatchFold, `${row.fault}: both coordinators equal the stream's fold`);
    assert.ok(row.allRunning, `${row.fault}: every acknowledged start running`);
    for (const p of row.pings) {
      // The dataplane does not depend on the control plane: no outage of a second.
      assert.ok(p.received > 0 && p.longestGapMs < 1000, `${row.fault}: ${p.from} -> ${p.to}: ${p.received}/${p.sent}, longest gap ${p.longestGapMs} ms`);
    }
  }
  assert.is(r.leakedAtEnd, 0, "no address leaked once everything is removed");
  assert.is(r.dockerLeft, 0, "no ovl container left in Docker");
});

test.run();
