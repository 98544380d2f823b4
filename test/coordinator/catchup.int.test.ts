/**
 * startup.ts `catchUp`: folds the stream into the projection up to its end in large
 * commits, reports and skips a message that is not an event, and commits what it applied.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeEnvelope, envelope, foldEvents, macFor, parseEnvelope, subjectFor, subjects, type OvlEvent } from "@ovl/domain";
import { ensureStreams } from "@ovl/broker-setup";
import { catchUp, loadStateFromDb, Projection } from "@ovl/coordinator";
import { startNats, type TestNats } from "../support/nats.js";

let srv: TestNats;
const dir = mkdtempSync(join(tmpdir(), "ovl-catchup-"));
test.before(async () => {
  srv = await startNats();
});
test.after(async () => {
  await srv?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function* history(containers: number): Generator<OvlEvent> {
  yield { type: "ClusterCreated", data: { cidr: "198.19.0.0/16", blockPrefix: 24, vni: 4242, vxlanPort: 4789, mtu: 1450 } };
  yield { type: "NodeJoined", data: { node: "n1", underlayIp: "198.18.0.1", agentVersion: "t" } };
  yield { type: "SubnetAssigned", data: { node: "n1", subnet: "198.19.1.0/24", gateway: "198.19.1.1" } };
  for (let k = 0; k < containers; k++) {
    const ip = `198.19.1.${(k % 100) + 2}`;
    if (k >= 100) yield { type: "ContainerStopped", data: { name: `c${k - 100}`, node: "n1", ip, reason: "removed" } };
    yield { type: "ContainerStarted", data: { name: `c${k}`, node: "n1", ip, mac: macFor(ip), image: "busybox", cmd: [], ports: [] } };
    yield { type: "ContainerRunning", data: { name: `c${k}`, node: "n1", ip } };
  }
}

test("catches up to the end in commits of flushEvery, skipping a message that is not an event", async () => {
  const nc = await srv.connect();
  try {
    await ensureStreams(await nc.jetstreamManager());
    const js = nc.jetstream();
    const events = [...history(400)];
    let last = 0;
    for (const [i, e] of events.entries()) {
      if (i === 50) await js.publish(`${subjects.EVENT_SUBJECT_PREFIX}.junk`, "not json");
      last = (await js.publish(subjectFor(e), encodeEnvelope(envelope(e, new Date(1e12 + i).toISOString(), `r${i}`)))).seq;
    }
    const path = join(dir, "p.db");
    const p = Projection.open(path);
    const logs: string[] = [];
    await catchUp(nc, p, last, (l) => logs.push(l), { flushEvery: 300, batch: 64 });
    assert.is(p.seq, last);
    p.close();
    const stored = loadStateFromDb(path);
    assert.is(stored.seq, last);
    const envs = events.map((e, i) => parseEnvelope(encodeEnvelope(envelope(e, new Date(1e12 + i).toISOString(), `r${i}`))));
    assert.equal(stored.state, foldEvents(envs));
    assert.ok(logs.some((l) => /on ovl\.evt\.junk skipped: event is not JSON/.test(l)), logs.join("\n"));
  } finally {
    await nc.close();
  }
});

test.run();
