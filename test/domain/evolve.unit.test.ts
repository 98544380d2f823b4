/** evolve: what each event does to the state, and what it leaves alone. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { emptyState, envelope, evolve, foldEvents, applyStored, type OvlEvent } from "@ovl/domain";
import { deepFreeze, fold } from "../support/given.js";
import { CLUSTER, NOW, block, cluster, clusterCreated, exited, failed, gw, joined, lan, leaving, left, lost, recovered, running, started, stopped, subnetAssigned } from "./builders.js";

const T1 = "2026-01-01T00:00:01.000Z";
const IP = "198.19.0.2";
const step = (history: OvlEvent[], event: OvlEvent) => evolve(deepFreeze(fold(history, NOW)), event, { time: T1 });

const ev = suite("evolve");
ev("ClusterCreated fixes the settings once; a second one changes nothing", () => {
  const state = step([], clusterCreated());
  assert.equal(state.cluster, CLUSTER);
  assert.is(evolve(state, clusterCreated({ vni: 9 }), { time: T1 }), state);
});
ev("NodeJoined adds a ready node without a block, since the event's time", () => {
  const state = step([clusterCreated()], joined("n1"));
  assert.equal(state.nodes.n1, { name: "n1", underlayIp: lan("n1"), agentVersion: "0.1.0", status: "ready", subnet: null, gateway: null, since: T1, containers: {} });
});
ev("SubnetAssigned gives the node its block and gateway", () => {
  const state = step([clusterCreated(), joined("n1")], subnetAssigned("n1", 3));
  assert.is(state.nodes.n1?.subnet, block(3));
  assert.is(state.nodes.n1?.gateway, gw(3));
});
ev("ContainerStarted records a pending container with its address and MAC", () => {
  const c = step(cluster("n1"), started("web", "n1", IP, { cmd: ["sleep", "1"] })).nodes.n1?.containers.web;
  assert.equal(c, { name: "web", node: "n1", ip: IP, mac: "0a:58:c6:13:00:02", image: "busybox", cmd: ["sleep", "1"], ports: [], state: "pending", since: T1 });
});
ev("ContainerRunning / Failed / Exited set the state, and clear the other outcome's detail", () => {
  const base = [...cluster("n1"), started("web", "n1", IP)];
  const failedC = step(base, failed("web", "n1", IP, "boom")).nodes.n1?.containers.web;
  assert.equal([failedC?.state, failedC?.reason], ["failed", "boom"]);
  const exitedC = step([...base, failed("web", "n1", IP, "boom")], exited("web", "n1", IP, 2)).nodes.n1?.containers.web;
  assert.equal([exitedC?.state, exitedC?.exitCode, exitedC?.reason], ["exited", 2, undefined]);
  const runningC = step([...base, exited("web", "n1", IP, 2)], running("web", "n1", IP)).nodes.n1?.containers.web;
  assert.equal([runningC?.state, runningC?.exitCode, runningC?.since], ["running", undefined, T1]);
});
ev("an outcome for another address (an older container of that name) changes nothing", () => {
  const before = fold([...cluster("n1"), started("web", "n1", IP)], NOW);
  assert.equal(evolve(before, running("web", "n1", "198.19.0.9"), { time: T1 }), before);
  assert.equal(evolve(before, stopped("web", "n1", "198.19.0.9"), { time: T1 }), before);
});
ev("ContainerStopped removes the container, freeing name and address", () => {
  const state = step([...cluster("n1"), started("web", "n1", IP)], stopped("web", "n1", IP));
  assert.equal(state.nodes.n1?.containers, {});
});
ev("NodeLeaving marks the node leaving and keeps its block", () => {
  const n = step(cluster("n1"), leaving("n1")).nodes.n1;
  assert.equal([n?.status, n?.subnet, n?.reason, n?.since], ["leaving", block(0), "asked to leave", T1]);
});
ev("NodeLeft drops the block and any containers left", () => {
  const n = step([...cluster("n1"), started("web", "n1", IP), lost("n1")], left("n1", "released by operator")).nodes.n1;
  assert.equal([n?.status, n?.subnet, n?.gateway, n?.containers, n?.lastSeen], ["left", null, null, {}, undefined]);
});
ev("NodeLost marks the node lost with its last heartbeat; block and containers stay", () => {
  const n = step([...cluster("n1"), started("web", "n1", IP)], lost("n1", "2025-12-31T23:59:00.000Z")).nodes.n1;
  assert.equal([n?.status, n?.lastSeen, n?.subnet, Object.keys(n?.containers ?? {})], ["lost", "2025-12-31T23:59:00.000Z", block(0), ["web"]]);
});
ev("NodeJoined after NodeLost keeps the block; after NodeLeft starts afresh", () => {
  const lostHistory = [...cluster("n1"), lost("n1")];
  assert.is(step(lostHistory, joined("n1")).nodes.n1?.subnet, block(0));
  assert.is(step(lostHistory, joined("n1")).nodes.n1?.lastSeen, undefined);
  const leftHistory = [...cluster("n1"), leaving("n1"), left("n1")];
  const n = step(leftHistory, joined("n1", "198.18.0.77")).nodes.n1;
  assert.equal([n?.status, n?.subnet, n?.underlayIp, n?.reason], ["ready", null, "198.18.0.77", undefined]);
});
ev("NodeRecovered makes a lost node ready again: same block, containers as recorded, since the event", () => {
  const history = [...cluster("n1"), started("web", "n1", IP), running("web", "n1", IP), started("db", "n1", "198.19.0.3"), exited("db", "n1", "198.19.0.3", 3), lost("n1", "2025-12-31T23:59:00.000Z")];
  const before = fold(history, NOW).nodes.n1!;
  const n = step(history, recovered("n1", lan("n1"), "0.2.0")).nodes.n1!;
  assert.equal([n.status, n.since, n.subnet, n.gateway, n.agentVersion, n.lastSeen], ["ready", T1, block(0), gw(0), "0.2.0", undefined]);
  assert.equal(n.containers, before.containers, "the containers, untouched");
  assert.equal([n.containers.web?.state, n.containers.db?.state, n.containers.db?.exitCode], ["running", "exited", 3]);
});
ev("NodeRecovered about a node that is not lost changes nothing", () => {
  const ready = fold(cluster("n1"), NOW);
  assert.equal(evolve(ready, recovered("n1"), { time: T1 }), ready);
  const gone = fold([...cluster("n1"), leaving("n1"), left("n1")], NOW);
  assert.equal(evolve(gone, recovered("n1"), { time: T1 }), gone);
});
ev("an old history (lost, its containers stopped, joined again) replays as it always did", () => {
  const n = fold([...cluster("n1"), started("web", "n1", IP), lost("n1"), stopped("web", "n1", IP, "node was lost"), joined("n1")], NOW).nodes.n1!;
  assert.equal([n.status, n.subnet, n.containers, n.lastSeen], ["ready", block(0), {}, undefined]);
});
ev("an event about an unknown node or container changes nothing", () => {
  const before = fold(cluster("n1"), NOW);
  for (const e of [subnetAssigned("n9", 1), leaving("n9"), left("n9"), lost("n9"), recovered("n9"), started("web", "n9", IP), running("web", "n1", IP), stopped("web", "n1", IP)]) {
    assert.equal(evolve(before, e, { time: T1 }), before, e.type);
  }
});
ev("foldEvents and applyStored take each envelope's time", () => {
  const envs = cluster("n1").map((e, i) => envelope(e, `2026-01-01T00:00:0${i}.000Z`));
  const state = foldEvents(envs);
  assert.is(state.nodes.n1?.since, "2026-01-01T00:00:01.000Z");
  assert.equal(applyStored(emptyState, envs[0]!).cluster, CLUSTER);
  assert.equal(emptyState, { cluster: null, nodes: {} });
});
ev.run();
