import { test } from "uvu";
import * as assert from "uvu/assert";
import { subjects } from "@ovl/domain";
import { ask, join_, ok, run_, suiteBed } from "./support.js";
import { lastSeq, readEvents } from "../support/stream.js";

const b = suiteBed(test);

test("creates the cluster at start from defaults merged with the explicit values", async () => {
  const h = await b.coordinator({ cluster: { cidr: "198.19.0.0/18", blockPrefix: 24 } });
  const events = await readEvents(b.nc);
  assert.is(events.length, 1);
  assert.is(events[0]!.type, "ClusterCreated");
  assert.equal(events[0]!.data, { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 1, vxlanPort: 4789, mtu: 1450, mode: "auto" });
  assert.is(events[0]!.subject, "ovl.evt.cluster");
  assert.is(h.seq(), 1);
  assert.equal(h.state().cluster?.cidr, "198.19.0.0/18");
});

test("join, run, ps, nodes, rm, leave, left: requests become events and replies", async () => {
  const jn = ok(await ask(b.nc, subjects.reportSubject("n1", "join"), join_("n1", "198.18.0.11"), "join-n1-000"));
  assert.equal(jn, { node: "n1", subnet: "198.19.0.0/24", gateway: "198.19.0.1", cluster: { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 1, vxlanPort: 4789, mtu: 1450, mode: "auto" }, seq: 3 });

  const run = ok(await ask(b.nc, subjects.commandSubject("run"), run_("web", "n1", { ports: [{ host: 8080, container: 80, proto: "tcp" }] })));
  assert.is(run.name, "web");
  assert.is(run.ip, "198.19.0.2");
  assert.is(run.state, "pending");
  assert.is(run.seq, 4);
  const events = await readEvents(b.nc);
  assert.equal(events.map((e) => e.type), ["ClusterCreated", "NodeJoined", "SubnetAssigned", "ContainerStarted"]);
  assert.is(events[1]!.req, "join-n1-000");
  assert.is(events[1]!.msgId, "join-n1-000:NodeJoined:n1");
  assert.is(events[3]!.subject, "ovl.evt.ctr.n1.web");

  const ps = ok(await ask(b.nc, subjects.querySubject("ps"), {}));
  assert.equal(ps.map((r: any) => [r.name, r.node, r.ip, r.state]), [["web", "n1", "198.19.0.2", "pending"]]);

  ok(await ask(b.nc, subjects.reportSubject("n1", "container"), { node: "n1", name: "web", ip: "198.19.0.2", state: "running" }));
  const ps2 = ok(await ask(b.nc, subjects.querySubject("ps"), {}));
  assert.is(ps2[0].state, "running");

  const hb = { node: "n1", time: new Date().toISOString(), cpu: 0.25, memFree: 1000, memTotal: 4000, agentVersion: "test" };
  b.nc.publish(subjects.heartbeatSubject("n1"), JSON.stringify(hb));
  await b.nc.flush();
  await new Promise((r) => setTimeout(r, 100));
  const nodes = ok(await ask(b.nc, subjects.querySubject("nodes"), {}));
  assert.equal(nodes.map((n: any) => [n.name, n.ip, n.subnet, n.status, n.cpu, n.memFree, n.lastSeen, n.containers]), [
    ["n1", "198.18.0.11", "198.19.0.0/24", "ready", 0.25, 1000, hb.time, 1],
  ]);

  const rm = ok(await ask(b.nc, subjects.commandSubject("rm"), { name: "web" }));
  assert.equal(rm, { name: "web", node: "n1", ip: "198.19.0.2", seq: 6 });

  ok(await ask(b.nc, subjects.commandSubject("run"), run_("db")));
  const leave = ok(await ask(b.nc, subjects.commandSubject("leave"), { node: "n1" }));
  assert.equal(leave, { node: "n1", status: "leaving", seq: 9 });
  const left = ok(await ask(b.nc, subjects.reportSubject("n1", "left"), { node: "n1" }));
  assert.is(left.seq, 10);
  const all = ok(await ask(b.nc, subjects.querySubject("nodes"), { all: true }));
  assert.is(all[0].status, "left");
  assert.equal(ok(await ask(b.nc, subjects.querySubject("nodes"), {})), []);

  const st = ok(await ask(b.nc, subjects.querySubject("state"), {}));
  assert.is(st.seq, 10);
  assert.is(st.state.nodes.n1.status, "left");
  assert.is(await lastSeq(b.nc), 10);
  const types = (await readEvents(b.nc)).map((e) => e.type);
  assert.equal(types.slice(4), ["ContainerRunning", "ContainerStopped", "ContainerStarted", "ContainerStopped", "NodeLeaving", "NodeLeft"]);
});

test("a restart with a different explicit cidr refuses to start with CLUSTER_MISMATCH", async () => {
  try {
    await b.coordinator({ cluster: { cidr: "10.0.0.0/16" }, db: "other.db" });
    assert.unreachable("should refuse");
  } catch (err) {
    assert.is((err as { code?: string }).code, "CLUSTER_MISMATCH");
    assert.match((err as Error).message, /cidr: 198\.19\.0\.0\/18 \(cluster\) vs 10\.0\.0\.0\/16 \(asked\)/);
  }
  const h = await b.coordinator({ db: "third.db" });
  assert.is(h.seq(), 10);
  await h.stop();
});

test.run();
