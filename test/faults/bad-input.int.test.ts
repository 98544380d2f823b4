/**
 * Bad input not covered elsewhere (docs/faults.md section 5; see also test/coordinator/invalid*,
 * test/domain, test/cli): an event of a future schema version injected into the stream
 * (coordinator, agent and the TUI's store skip it and keep going), node names unfit for
 * interface names, a cluster CIDR that overlaps but differs on coordinator start, a node
 * whose LAN address lies inside the overlay, and an image that cannot be found (the
 * agent's failure recorded as ContainerFailed with its reason). Each: a clear error,
 * nothing appended, everything still running.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { encodeJson, subjects, type PsRow } from "@ovl/domain";
import { RecordingRuntime, runAgent } from "@ovl/node-agent";
import { ClusterStore, startFeed } from "@ovl/tui";
import { ask, bed, join_, ok, run_, type CoordinatorBed } from "../coordinator/support.js";
import { waitFor } from "../support/wait.js";
import { lastSeq, readEvents, type Read } from "../support/stream.js";

let b: CoordinatorBed;
const stops: (() => Promise<void> | void)[] = [];
const CLUSTER = { cidr: "198.19.0.0/18", blockPrefix: 24 };
test.before(async () => {
  b = await bed();
  await b.coordinator({ cluster: CLUSTER });
});
test.after(async () => {
  for (const s of stops.reverse()) await s();
  await b?.close();
});

const mentions = (events: Read[], name: string) => events.filter((e) => (e.data as { name?: string }).name === name);

async function rejects(f: () => Promise<unknown>, message: RegExp): Promise<void> {
  const err = await f().then(() => null, (e: Error) => e);
  assert.ok(err, `expected a refusal matching ${message}`);
  assert.match(err!.message, message);
}

test("an event of a future schema version: coordinator, agent and TUI store skip it and keep going", async () => {
  const runtime = new RecordingRuntime();
  const anc = await b.srv.connect();
  const agent = await runAgent({ nc: anc, node: "v1", underlayIp: "198.18.0.31", lanMtu: 1500, stateDir: join(b.dir, "v1"), runtime, heartbeatMs: 500, reconcileMs: 500 });
  stops.push(async () => (await agent.stop(), await anc.close()));
  const store = new ClusterStore(5);
  const feed = startFeed(b.nc, store);
  stops.push(() => feed.stop(), () => store.dispose());

  const future = { type: "ContainerStarted", v: 2, time: new Date().toISOString(), data: { name: "ghost", node: "v1", ip: "198.19.0.9", mac: "02:00:c6:13:00:09", image: "busybox", cmd: [], ports: [], sandbox: "v2" } };
  const ack = await b.nc.jetstream().publish(subjects.containerEventSubject("v1", "ghost"), encodeJson(future));
  ok(await ask(b.nc, subjects.commandSubject("run"), run_("after-ghost", "v1")));
  const last = await lastSeq(b.nc);
  assert.ok(last > ack.seq);

  await waitFor("agent, TUI store past the bad event", () => agent.seq() >= last && store.history.lastSeq >= last, 10_000).catch((err) => {
    throw new Error(`${(err as Error).message}: agent at ${agent.seq()}, TUI store at ${store.history.lastSeq}, stream at ${last}`);
  });
  const ps = ok(await ask<PsRow[]>(b.nc, subjects.querySubject("ps"), {}));
  assert.equal(ps.map((r) => r.name), ["after-ghost"], "the coordinator serves, without the ghost");
  assert.ok(agent.state().nodes.v1?.containers["after-ghost"]);
  assert.not.ok(agent.state().nodes.v1?.containers.ghost, "the agent skipped it");
  assert.not.ok(store.history.state.nodes.v1?.containers.ghost, "the TUI store skipped it");
  assert.ok(store.history.state.nodes.v1?.containers["after-ghost"]);
  await waitFor("the runtime saw the real one", () => runtime.last()?.containers.some((c) => c.name === "after-ghost") ?? false);
  assert.not.ok(runtime.last()?.containers.some((c) => c.name === "ghost"));
  assert.is(mentions(await readEvents(b.nc), "ghost").length, 0, "no valid event about it was appended in answer");
});

test("node names unfit for interface names, labels or paths: refused, nothing appended", async () => {
  const before = await lastSeq(b.nc);
  for (const node of ["n_1", "N1", "n1.x", "eth0:1", "../etc", "n 1", "ñode", "a".repeat(33), "-n1", "n1-", ""]) {
    const reply = await ask(b.nc, subjects.reportSubject("n9", "join"), join_(node, "198.18.0.39"));
    assert.is(!reply.ok && reply.error.code, "INVALID_INPUT", node);
    const leave = await ask(b.nc, subjects.commandSubject("leave"), { node });
    assert.is(!leave.ok && leave.error.code, "INVALID_INPUT", node);
  }
  // The agent refuses such a name before it connects to anything.
  await rejects(() => runAgent({ nc: b.nc, node: "eth0:1", underlayIp: "198.18.0.39", stateDir: join(b.dir, "bad"), runtime: new RecordingRuntime() }), /name/i);
  assert.is(await lastSeq(b.nc), before);
});

test("a coordinator started with an overlapping but different CIDR is refused; the cluster keeps serving", async () => {
  const before = await lastSeq(b.nc);
  for (const cidr of ["198.19.0.0/17", "198.19.0.0/19", "198.19.32.0/19"]) {
    await rejects(() => b.coordinator({ db: `overlap-${cidr.replace(/\W/g, "-")}.db`, cluster: { cidr } }), /cidr/);
  }
  await rejects(() => b.coordinator({ db: "hostbits.db", cluster: { cidr: "198.19.0.1/18" } }), /cidr|host/i);
  assert.is(await lastSeq(b.nc), before, "nothing appended");
  ok(await ask(b.nc, subjects.querySubject("ps"), {}));
});

test("a node whose LAN address lies inside the overlay network is refused", async () => {
  const before = await lastSeq(b.nc);
  const reply = await ask(b.nc, subjects.reportSubject("n8", "join"), join_("n8", "198.19.40.8"));
  assert.is(!reply.ok && reply.error.code, "INVALID_INPUT", JSON.stringify(reply));
  assert.match(!reply.ok ? reply.error.message : "", /inside the cluster network/);
  assert.is(await lastSeq(b.nc), before);
});

test("an image that cannot be found: ContainerFailed with the reason, shown by ps; nothing else changes", async () => {
  // The reason is the one LinuxDockerRuntime reports (test/node-agent/docker.int.test.ts proves it against dockerd).
  // This test plays v1's agent itself: the simulated agent of the test above would report the
  // container running (its runtime runs everything), racing the failure reported here.
  for (const stop of stops.splice(0).reverse()) await stop();
  const started = ok(await ask<PsRow>(b.nc, subjects.commandSubject("run"), run_("nothere", "v1", { image: "ovl-test/missing:1" })));
  const reason = "image ovl-test/missing:1 is not on this node and could not be pulled: no registry is reachable";
  ok(await ask(b.nc, subjects.reportSubject("v1", "container"), { node: "v1", name: "nothere", ip: started.ip, state: "failed", reason }));
  const failed = (await readEvents(b.nc)).filter((e) => e.type === "ContainerFailed" && (e.data as { name: string }).name === "nothere");
  assert.is(failed.length, 1);
  assert.is((failed[0]!.data as { reason: string }).reason, reason);
  const row = ok(await ask<PsRow[]>(b.nc, subjects.querySubject("ps"), {})).find((r) => r.name === "nothere");
  assert.is(row?.state, "failed");
  assert.is(row?.reason, reason);
  const before = await lastSeq(b.nc);
  ok(await ask(b.nc, subjects.reportSubject("v1", "container"), { node: "v1", name: "nothere", ip: started.ip, state: "failed", reason }));
  assert.is(await lastSeq(b.nc), before, "a repeated report appends nothing");
});

test.run();
