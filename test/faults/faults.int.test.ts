/**
 * The short form of the fault-injection suite (the full one: `npm run faults`): 60 starts
 * from concurrent clients per phase against two `ovl coordinator` processes and three
 * simulated agent processes on one real nats-server; a coordinator killed -9 (and started
 * again), then the nats-server killed -9 and started on the same store.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { faultTable, runFaults } from "../support/fault-harness.js";

test("faults (short form): every request answered, nothing lost, nothing doubled, nothing leaked", async () => {
  const rows = await runFaults({ broker: "single", faults: ["coordinator", "server"], starts: 60, clients: 3, inFlight: 4, downMs: 1000 });
  console.log(`\n${faultTable(rows)}`);
  for (const r of rows) {
    const what = `fault ${r.fault}`;
    assert.is(r.succeeded + r.failed, r.requests, `${what}: every request answered`);
    assert.is(r.unanswered, 0, `${what}: none unanswered past its timeout`);
    assert.is(r.lost, 0, `${what}: every acknowledged start is in the stream`);
    assert.is(r.duplicated, 0, `${what}: no start stored twice`);
    assert.is(r.doubleAddresses, 0, `${what}: no address held by two containers`);
    assert.ok(r.coordinatorsMatchFold, `${what}: both coordinators' state is the stream's fold`);
    assert.ok(r.allRunning, `${what}: the agents made every start running (not: ${r.notRunning.join(", ")})`);
    assert.is(r.leakedAddresses, 0, `${what}: after removing everything, every block is free again`);
    assert.ok(r.killed.length > 0, `${what}: the fault was injected`);
  }
  // A start refused during a fault is a clear error; with retries by request id none is expected here.
  assert.ok(rows.every((r) => r.succeeded >= r.requests - 2), JSON.stringify(rows.map((r) => r.errors)));
});

test.run();
