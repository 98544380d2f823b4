/**
 * Dead nodes against a real nats-server, real coordinators and simulated agents (the real
 * agent code with the RecordingRuntime): silence -> NodeLost after the period, appended
 * once by two coordinators; containers shown lost; the block kept from new nodes until
 * `release`; a lost agent that comes back resumes with the same block and containers; a
 * restarted coordinator, or one whose NATS server restarted, waits a full period.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { subjects, type PsRow } from "@ovl/domain";
import { RecordingRuntime, runAgent, type AgentHandle } from "@ovl/node-agent";
import { ask, bed, join_, ok, run_, type CoordinatorBed } from "../coordinator/support.js";
import { waitFor } from "../support/wait.js";
import { readEvents } from "../support/stream.js";

const test = suite("faults: liveness");
const LOST_MS = 1500;
const CLUSTER = { cidr: "198.19.0.0/23", blockPrefix: 24 }; // two blocks only
const ctx = {} as { b: CoordinatorBed; agents: AgentHandle[] };

async function agent(node: string, ip: string, runtime: RecordingRuntime, heartbeatMs = 200): Promise<AgentHandle> {
  const nc = await ctx.b.srv.connect();
  const h = await runAgent({ nc, node, underlayIp: ip, lanMtu: 1500, stateDir: join(ctx.b.dir, node), runtime, heartbeatMs, reconcileMs: 300 });
  const handle = { ...h, stop: async () => { await h.stop(); await nc.close(); } };
  ctx.agents.push(handle);
  return handle;
}

/** The test's reader retries a JetStream call that times out while the restarted server settles. */
async function lostEvents(node: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await readEvents(ctx.b.nc)).filter((e) => e.type === "NodeLost" && e.data.node === node);
    } catch (err) {
      if (attempt >= 6) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

test.before(async () => {
  ctx.b = await bed();
  ctx.agents = [];
});

test.after(async () => {
  for (const a of ctx.agents) await a.stop().catch(() => undefined);
  await ctx.b.close();
});

test("silence -> NodeLost after the period, once with two coordinators; ps shows lost; block kept until release", async () => {
  const c1 = await ctx.b.coordinator({ db: "c1.db", cluster: CLUSTER, lostAfterMs: LOST_MS });
  const c2 = await ctx.b.coordinator({ db: "c2.db", cluster: CLUSTER, lostAfterMs: LOST_MS });
  const a = await agent("a", "198.18.0.11", new RecordingRuntime());
  await agent("b", "198.18.0.12", new RecordingRuntime());
  ok(await ask(ctx.b.nc, subjects.commandSubject("run"), run_("a-web", "a")));
  await waitFor("a-web running", () => c1.state().nodes.a?.containers["a-web"]?.state === "running");
  const blockOfA = c1.state().nodes.a!.subnet;

  // Still beating: nobody is lost after twice the period.
  await new Promise((r) => setTimeout(r, 2 * LOST_MS));
  assert.equal((await lostEvents("a")).length, 0, "a beating node is never lost");

  await a.stop();
  const silentFrom = Date.now();
  await waitFor("NodeLost a", async () => (await lostEvents("a")).length > 0, 4 * LOST_MS);
  const after = Date.now() - silentFrom;
  assert.ok(after >= LOST_MS - 250, `declared after ${after} ms of silence, the period is ${LOST_MS}`);
  await new Promise((r) => setTimeout(r, 1000)); // the other coordinator had its chance too
  const lost = await lostEvents("a");
  assert.equal(lost.length, 1, "two coordinators append the loss once");
  assert.match(lost[0]!.msgId!, /^lost-a-\d+:NodeLost:a$/);
  assert.equal((await lostEvents("b")).length, 0);

  const ps = ok(await ask<PsRow[]>(ctx.b.nc, subjects.querySubject("ps"), {}));
  assert.equal(ps.find((r) => r.name === "a-web")?.state, "lost", "ovl ps shows a lost node's containers as lost");

  // The lost node's block is not handed to a newcomer while the node may come back.
  const refused = await ask(ctx.b.nc, subjects.reportSubject("c", "join"), join_("c", "198.18.0.13"));
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.error.code, "BLOCKS_EXHAUSTED");

  // The operator releases it: the container goes, the block is free, the newcomer gets it.
  ok(await ask(ctx.b.nc, subjects.commandSubject("release"), { node: "a" }));
  await waitFor("a left", () => c1.state().nodes.a?.status === "left");
  assert.equal(c1.state().nodes.a?.containers["a-web"], undefined);
  const joined = ok(await ask<{ subnet: string }>(ctx.b.nc, subjects.reportSubject("c", "join"), join_("c", "198.18.0.13")));
  assert.equal(joined.subnet, blockOfA, "the released block goes to the next node");
  for (const h of [c1, c2]) await h.stop();
});

test("a lost agent that comes back resumes: the same block, its container as it was, nothing torn down", async () => {
  const c = await ctx.b.coordinator({ db: "c3.db", cluster: CLUSTER, lostAfterMs: LOST_MS });
  // c never beats: once lost, the operator frees its block.
  await waitFor("NodeLost c", async () => (await lostEvents("c")).length > 0, 4 * LOST_MS);
  ok(await ask(ctx.b.nc, subjects.commandSubject("release"), { node: "c" }));
  const runtime = new RecordingRuntime();
  // One beat at start, then silence: the agent keeps running, cut off from the coordinators' view.
  const d = await agent("d", "198.18.0.14", runtime, 600_000);
  ok(await ask(ctx.b.nc, subjects.commandSubject("run"), run_("d-web", "d")));
  await waitFor("d-web running", () => c.state().nodes.d?.containers["d-web"]?.state === "running");
  const block = c.state().nodes.d!.subnet;
  await waitFor("NodeLost d", async () => (await lostEvents("d")).length > 0, 4 * LOST_MS);
  await waitFor("d recovered", async () => (await readEvents(ctx.b.nc)).some((e) => e.type === "NodeRecovered" && e.data.node === "d"), 5000);
  await waitFor("d ready", () => c.state().nodes.d?.status === "ready", 5000);
  assert.equal(c.state().nodes.d!.subnet, block, "the same block after coming back");
  assert.is(c.state().nodes.d!.containers["d-web"]?.state, "running", "its container kept, as it was");
  assert.is(runtime.teardowns, 0, "nothing torn down");
  const seq = (await readEvents(ctx.b.nc)).filter((e) => e.subject.startsWith(subjects.nodeEventSubject("d")) || e.subject.startsWith(subjects.containerEventSubject("d", "")));
  const types = seq.map((e) => e.type);
  const lostAt = types.indexOf("NodeLost");
  assert.equal(types.slice(lostAt, lostAt + 2), ["NodeLost", "NodeRecovered"]);
  assert.not.ok(types.includes("ContainerStopped"), "no container stopped");
  await c.stop(); // first, so that d stays ready and silent for the next test
  await d.stop();
});

test("a restarted coordinator declares no one lost before a full period of its own", async () => {
  // d's agent and every coordinator stopped at the end of the last test: d is ready, and
  // silent for more than a period; its last beat is in OVL_HEARTBEATS.
  const before = (await lostEvents("d")).length;
  await new Promise((r) => setTimeout(r, LOST_MS + 500));
  const started = Date.now();
  const second = await ctx.b.coordinator({ db: "c4.db", cluster: CLUSTER, lostAfterMs: LOST_MS });
  await new Promise((r) => setTimeout(r, LOST_MS - 400));
  assert.equal(second.state().nodes.d?.status, "ready");
  assert.equal((await lostEvents("d")).length, before, "not before the new coordinator watched a full period");
  await waitFor("NodeLost d", async () => (await lostEvents("d")).length > before, 3 * LOST_MS);
  assert.ok(Date.now() - started >= LOST_MS);
  await second.stop();
});

// The full period restarts at the coordinator's own reconnect, which can come before the
// restarted server answers JetStream and before the test's connection is back (each nats.js
// client retries on its own 2 s schedule): so the test times the decision against the
// coordinator's logged reconnect and the NodeLost event's time, not against its own clock.
test("after its NATS server restarts, a coordinator waits a full period again", async () => {
  const PERIOD = 3000;
  const timed: { at: number; line: string }[] = [];
  const c = await ctx.b.coordinator({ db: "c5.db", cluster: CLUSTER, lostAfterMs: PERIOD, log: (line: string) => timed.push({ at: Date.now(), line }) });
  ok(await ask(ctx.b.nc, subjects.commandSubject("release"), { node: "d" }));
  ok(await ask(ctx.b.nc, subjects.reportSubject("f", "join"), join_("f", "198.18.0.16")));
  await new Promise((r) => setTimeout(r, 2000)); // f silent 2 s of its 3
  const killed = Date.now();
  await ctx.b.srv.restart();
  await waitFor("NodeLost f", async () => (await lostEvents("f")).length > 0, 15_000);
  const lost = await lostEvents("f");
  assert.equal(lost.length, 1);
  const decided = Date.parse(lost[0]!.time);
  const said = (prefix: string) => timed.filter((t) => t.line.startsWith(prefix) && t.at >= killed);
  assert.ok(said("NATS connection lost").length >= 1, "the coordinator saw the disconnect");
  const backs = said("NATS connection back").filter((t) => t.at <= decided);
  assert.ok(backs.length >= 1, "NodeLost decided only after the coordinator was back");
  const since = decided - backs[backs.length - 1]!.at;
  // 20 ms: Date and the monotonic clock the coordinator measures with may round differently.
  assert.ok(since >= PERIOD - 20, `decided ${since} ms after the reconnect; the period is ${PERIOD}`);
  await c.stop();
});

test.run();
