/** The agent's pure parts: heartbeat body, report diffing, labels, Docker event lines, NATS host, scheduler. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { encodeJson, parseHeartbeat, type ContainerRecord } from "@ovl/domain";
import { createLabels, createScheduler, differs, heartbeatOf, natsHost, ownedBy, parseEventLines, RecordingRuntime } from "@ovl/node-agent";
import { emptyState } from "@ovl/domain";

const test = suite("node agent: pure parts");

test("heartbeat: load per core clamped to 0..1, valid by the shared schema", () => {
  const t = new Date("2025-01-02T03:04:05.678Z");
  const hb = heartbeatOf("n1", t, { load1: 5, cores: 2, memFree: 100.7, memTotal: 1000 });
  assert.equal(hb, { node: "n1", time: "2025-01-02T03:04:05.678Z", cpu: 1, memFree: 100, memTotal: 1000, agentVersion: hb.agentVersion });
  assert.is(heartbeatOf("n1", t, { load1: 0.5, cores: 2, memFree: 1, memTotal: 2 }).cpu, 0.25);
  assert.equal(parseHeartbeat(encodeJson(hb)), hb);
});

const rec = (state: ContainerRecord["state"], extra: Partial<ContainerRecord> = {}): ContainerRecord =>
  ({ name: "web", node: "n1", ip: "198.19.0.2", mac: "0a:58:c6:13:00:02", image: "busybox", cmd: [], ports: [], state, since: "2025-01-01T00:00:00Z", ...extra });

test("differs: only what the state does not record yet", () => {
  assert.ok(differs(rec("pending"), { name: "web", ip: "198.19.0.2", state: "running" }));
  assert.not.ok(differs(rec("running"), { name: "web", ip: "198.19.0.2", state: "running" }));
  assert.not.ok(differs(rec("pending"), { name: "web", ip: "198.19.0.9", state: "running" }), "another address: a stale report");
  assert.not.ok(differs(undefined, { name: "web", ip: "198.19.0.2", state: "running" }));
  assert.ok(differs(rec("exited", { exitCode: 1 }), { name: "web", ip: "198.19.0.2", state: "exited", exitCode: 137 }));
  assert.not.ok(differs(rec("exited", { exitCode: 1 }), { name: "web", ip: "198.19.0.2", state: "exited", exitCode: 1 }));
});

test("labels: defined once, read back, foreign or malformed ones are not ovl's", () => {
  const labels = createLabels("c1", "n1", "web", "198.19.0.2");
  assert.equal(labels, { "ovl.managed": "true", "ovl.cluster": "c1", "ovl.node": "n1", "ovl.name": "web", "ovl.ip": "198.19.0.2" });
  assert.equal(ownedBy(labels), { node: "n1", name: "web", ip: "198.19.0.2" });
  assert.is(ownedBy({ ...labels, "ovl.managed": "false" }), null);
  assert.is(ownedBy({ ...labels, "ovl.ip": "not-an-ip" }), null);
  assert.is(ownedBy({ ...labels, "ovl.name": "Bad_Name" }), null);
  assert.is(ownedBy(undefined), null);
  assert.not.ok("ovl.cluster" in createLabels(undefined, "n1", "web", "198.19.0.2"));
});

test("Docker event lines: split across chunks, junk skipped", () => {
  const line = JSON.stringify({ Action: "die", Actor: { ID: "abc", Attributes: { exitCode: "137", "ovl.name": "web" } } });
  const first = parseEventLines(line.slice(0, 10));
  assert.equal(first.events, []);
  const second = parseEventLines(first.rest + line.slice(10) + "\nnot json\n{}\n");
  assert.equal(second.events, [{ action: "die", id: "abc", attributes: { exitCode: "137", "ovl.name": "web" } }]);
  assert.is(second.rest, "");
});

test("natsHost: the first server's host; junk is a clear error", () => {
  assert.is(natsHost("nats://198.18.0.1:4222"), "198.18.0.1");
  assert.is(natsHost("nats://u:p@broker.lan:4222,nats://other:4222"), "broker.lan");
  assert.is(natsHost("198.18.0.1:4222"), "198.18.0.1");
  assert.throws(() => natsHost("nats://:4222"), /invalid NATS URL/);
});

test("scheduler: a burst is one run; a request during a run makes exactly one more", async () => {
  let runs = 0;
  let release!: () => void;
  const s = createScheduler(async () => {
    runs++;
    if (runs === 1) await new Promise<void>((r) => (release = r));
  }, 5, () => undefined);
  for (let i = 0; i < 10; i++) s.schedule();
  await new Promise((r) => setTimeout(r, 30));
  assert.is(runs, 1);
  for (let i = 0; i < 10; i++) s.schedule();
  await new Promise((r) => setTimeout(r, 30));
  release();
  await s.idle();
  assert.is(runs, 2);
  await s.stop();
  s.schedule();
  await new Promise((r) => setTimeout(r, 20));
  assert.is(runs, 2, "no run after stop");
});

test("RecordingRuntime: reports a pending container running once, touches nothing", async () => {
  const rt = new RecordingRuntime();
  const state = { ...emptyState, nodes: { n1: { name: "n1", underlayIp: "198.18.0.11", agentVersion: "t", status: "ready" as const, subnet: "198.19.0.0/24", gateway: "198.19.0.1", since: "2025-01-01T00:00:00Z", containers: { web: rec("pending") } } } };
  assert.equal(await rt.sync(state, "n1"), [{ name: "web", ip: "198.19.0.2", state: "running" }]);
  assert.equal(await rt.sync(state, "n1"), []);
  assert.is(rt.simulated, true);
  assert.equal(rt.last(), { node: "n1", containers: [{ name: "web", ip: "198.19.0.2", state: "pending" }] });
  // A coordinator that had not folded the start yet answered the report with nothing: the
  // view still holds it pending, and a full sync reports it again (as the real runtime would).
  assert.equal(await rt.sync(state, "n1", { full: true }), [{ name: "web", ip: "198.19.0.2", state: "running" }]);
  const running = { ...state, nodes: { n1: { ...state.nodes.n1, containers: { web: rec("running") } } } };
  assert.equal(await rt.sync(running, "n1", { full: true }), []);
});

test.run();
