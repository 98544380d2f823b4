/**
 * The agent's control side against a real nats-server: join, the fold equals the
 * stream's, heartbeats in OVL_HEARTBEATS, the (simulated) runtime gets the node's
 * containers and its reports are sent and recorded, refusals end the agent, leaving tears
 * down and reports left, a lost node joins again and resumes as it was, a released one joins
 * as a new node, a restart changes nothing.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "nats";
import { ensureStreams } from "@ovl/broker-setup";
import { toItem } from "@ovl/client";
import { foldEvents, parseHeartbeat, subjects, type StoredEvent } from "@ovl/domain";
import { AgentError, RecordingRuntime, runAgent, type AgentHandle } from "@ovl/node-agent";
import { startNats, type TestNats } from "../support/nats.js";
import { Responder, waitFor } from "./agent-responder.js";

const test = suite("node agent: control side");
const ctx = {} as { srv: TestNats; nc: NatsConnection; responder: Responder; dir: string; handles: AgentHandle[] };

const CLUSTER = { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 4242, vxlanPort: 4789, mtu: 1450 };

/** The whole stream, valid events only (read here directly, independent of the agent's reader). */
async function history(nc: NatsConnection): Promise<StoredEvent[]> {
  const js = nc.jetstream();
  const last = (await (await js.streams.get(subjects.STREAM_EVENTS)).info()).state.last_seq;
  const consumer = await js.consumers.get(subjects.STREAM_EVENTS, { opt_start_seq: 1 });
  const out: StoredEvent[] = [];
  for (let seq = 1; seq <= last; seq++) {
    const m = await consumer.next({ expires: 2000 });
    if (!m) throw new Error(`event ${seq} not delivered`);
    const item = toItem(m.seq, m.subject, m.data);
    if (item.ok) out.push(item.event);
    seq = m.seq;
  }
  return out;
}

async function agent(node: string, ip: string, runtime: RecordingRuntime, logs?: string[]): Promise<AgentHandle> {
  const h = await runAgent({
    nc: ctx.nc,
    node,
    underlayIp: ip,
    lanMtu: 1500,
    stateDir: join(ctx.dir, node),
    runtime,
    heartbeatMs: 200,
    reconcileMs: 300,
    ...(logs ? { log: (l: string) => void logs.push(l) } : {}),
  });
  ctx.handles.push(h);
  return h;
}

test.before(async () => {
  ctx.dir = mkdtempSync(join(tmpdir(), "ovl-agent-test-"));
  ctx.srv = await startNats();
  ctx.nc = await ctx.srv.connect();
  ctx.handles = [];
  await ensureStreams(await ctx.nc.jetstreamManager());
  ctx.responder = new Responder(ctx.nc);
  ctx.responder.listen();
  await ctx.responder.command("CreateCluster", CLUSTER);
});

test.after(async () => {
  for (const h of ctx.handles) await h.stop().catch(() => undefined);
  ctx.responder?.stop();
  await ctx.nc?.close();
  await ctx.srv?.stop();
  rmSync(ctx.dir, { recursive: true, force: true });
});

test("joins, folds the stream, syncs its containers and reports them running", async () => {
  const runtime = new RecordingRuntime();
  const logs: string[] = [];
  const h = await agent("n1", "198.18.0.11", runtime, logs);
  assert.equal(ctx.responder.received.filter((r) => r.kind === "join").length, 1);
  assert.equal(ctx.responder.state.nodes.n1?.subnet, "198.19.0.0/24");
  await ctx.responder.command("StartContainer", { name: "web", node: "n1", image: "busybox", cmd: [], ports: [] });
  // A malformed event in the stream is skipped, not fatal.
  await ctx.nc.jetstream().publish(subjects.clusterEventSubject(), new TextEncoder().encode("{not json"));
  ctx.responder.last++;
  await ctx.responder.command("StartContainer", { name: "db", node: "n1", image: "busybox", cmd: ["sleep", "1"], ports: [] });
  await waitFor("web and db running in the agent's view", () =>
    ["web", "db"].every((n) => h.state().nodes.n1?.containers[n]?.state === "running"));
  const reports = ctx.responder.received.filter((r) => r.kind === "container").map((r) => r.body as { name: string; state: string });
  assert.equal(reports.map((r) => `${r.name}:${r.state}`).sort(), ["db:running", "web:running"]);
  assert.ok(runtime.syncs.some((s) => s.containers.map((c) => c.name).join() === "db,web"), "the runtime got the node's containers");
  assert.ok(logs.some((l) => /skipped event \d+ on ovl\.evt\.cluster/.test(l)), "the bad event was logged");
  const all = await history(ctx.nc);
  await waitFor("agent at the stream's end", () => h.seq() >= all[all.length - 1]!.seq);
  assert.equal(h.state(), foldEvents(all), "the agent's fold equals the stream's fold");
});

test("heartbeats land in OVL_HEARTBEATS with the shared shape", async () => {
  const jsm = await ctx.nc.jetstreamManager();
  const msg = await waitFor("a heartbeat of n1", () =>
    jsm.streams.getMessage(subjects.STREAM_HEARTBEATS, { last_by_subj: subjects.heartbeatSubject("n1") }).catch(() => undefined));
  const hb = parseHeartbeat(msg.data);
  assert.is(hb.node, "n1");
  assert.ok(hb.cpu >= 0 && hb.cpu <= 1 && hb.memTotal > 0 && hb.memFree <= hb.memTotal);
  assert.ok(Date.now() - Date.parse(hb.time) < 5000, "recent");
  const first = msg.seq;
  const next = await waitFor("a later heartbeat", async () => {
    const m = await jsm.streams.getMessage(subjects.STREAM_HEARTBEATS, { last_by_subj: subjects.heartbeatSubject("n1") });
    return m.seq > first ? m : undefined;
  });
  assert.ok(next.seq > first);
  const info = await jsm.streams.info(subjects.STREAM_HEARTBEATS);
  assert.ok(info.state.messages <= 1 + ctx.handles.length, "one message per node");
});

test("a restarted agent changes nothing", async () => {
  const before = ctx.responder.last;
  await ctx.handles[0]!.stop();
  const runtime = new RecordingRuntime();
  const h = await agent("n1", "198.18.0.11", runtime);
  await waitFor("a sync after catching up", () => runtime.syncs.length > 0 && h.seq() >= before);
  await new Promise((r) => setTimeout(r, 400));
  assert.is(ctx.responder.last, before, "no event appended by the rejoin or by reports");
  assert.equal(runtime.last()?.containers.map((c) => `${c.name}:${c.state}`), ["db:running", "web:running"]);
});

test("a refused join ends the agent with the coordinator's message", async () => {
  try {
    await agent("n2", "198.18.0.11", new RecordingRuntime());
    assert.unreachable("join should be refused");
  } catch (err) {
    assert.instance(err, AgentError);
    assert.is((err as AgentError).code, "JOIN_REFUSED");
    assert.match((err as Error).message, /198\.18\.0\.11 is already the address of node n1/);
  }
  assert.is(ctx.responder.state.nodes.n2, undefined);
});

test("leaving: teardown, then a left report; done resolves \"left\"", async () => {
  const h = ctx.handles[ctx.handles.length - 1]!;
  const runtime = new RecordingRuntime();
  // the n1 agent of the previous test holds its own runtime; use a fresh node for clarity
  const h3 = await agent("n3", "198.18.0.13", runtime);
  await ctx.responder.command("StartContainer", { name: "c3", node: "n3", image: "busybox", cmd: [], ports: [] });
  await waitFor("c3 running", () => h3.state().nodes.n3?.containers.c3?.state === "running");
  await ctx.responder.command("LeaveNode", { node: "n3" });
  assert.is(await h3.done, "left");
  assert.is(runtime.teardowns, 1);
  assert.ok(ctx.responder.received.some((r) => r.kind === "left" && (r.body as { node: string }).node === "n3"));
  assert.is(ctx.responder.state.nodes.n3?.status, "left");
  assert.equal(ctx.responder.state.nodes.n3?.containers, {});
  assert.ok(h.state().nodes.n1, "the other agent keeps running");
});

test("a node that left, joined again by a new agent: it does not act on the old \"left\" and stays", async () => {
  // n3 left in the test above; its history ends in NodeLeft. The new agent reads that
  // history while its join is in flight, and must wait for its join's own events.
  const runtime = new RecordingRuntime();
  const again = await agent("n3", "198.18.0.13", runtime);
  await waitFor("n3 ready again", () => again.state().nodes.n3?.status === "ready");
  const ended = await Promise.race([again.done.then(() => true, () => true), new Promise((r) => setTimeout(() => r(false), 1500))]);
  assert.is(ended, false, "the agent keeps running");
  assert.is(runtime.teardowns, 0, "and tore nothing down");
  assert.ok(runtime.syncCount >= 1, "it synced its node");
});

const joinsOf = (node: string) => ctx.responder.received.filter((r) => r.kind === "join" && (r.body as { node: string }).node === node).length;

test("lost: joins again and resumes with its block and containers; nothing torn down, nothing synced while lost", async () => {
  const runtime = new RecordingRuntime();
  const h4 = await agent("n4", "198.18.0.14", runtime);
  await ctx.responder.command("StartContainer", { name: "c4", node: "n4", image: "busybox", cmd: [], ports: [] });
  await waitFor("c4 running", () => h4.state().nodes.n4?.containers.c4?.state === "running");
  const block = h4.state().nodes.n4?.subnet;
  const joinsBefore = joinsOf("n4");
  const [lostAt] = await ctx.responder.command("LoseNode", { node: "n4", lastSeen: null });
  await waitFor("n4 ready again", () => h4.state().nodes.n4?.status === "ready" && h4.seq() > lostAt!);
  assert.is(joinsOf("n4"), joinsBefore + 1);
  assert.is(runtime.teardowns, 0, "a lost node keeps its containers and dataplane");
  assert.ok(runtime.syncs.every((s) => s.containers.length === 1), "no sync ever saw the node without its container");
  const n4 = ctx.responder.state.nodes.n4!;
  assert.equal([n4.subnet, n4.containers.c4?.state], [block, "running"], "the same block, the container as it was");
  const all = await history(ctx.nc);
  assert.equal(all.filter((e) => e.subject === "ovl.evt.node.n4").map((e) => e.type).slice(-2), ["NodeLost", "NodeRecovered"]);
  assert.not.ok(all.some((e) => e.type === "ContainerStopped" && e.data.node === "n4"), "nothing stopped");
});

test("released while it runs (lost, then `ovl release`): teardown, then a fresh join as a new node", async () => {
  const runtime = new RecordingRuntime();
  const h5 = await agent("n5", "198.18.0.15", runtime);
  await ctx.responder.command("StartContainer", { name: "c5", node: "n5", image: "busybox", cmd: [], ports: [] });
  await waitFor("c5 running", () => h5.state().nodes.n5?.containers.c5?.state === "running");
  const joinsBefore = joinsOf("n5");
  // Both queued at once, so the release is decided before the agent's own rejoin can be.
  await Promise.all([ctx.responder.command("LoseNode", { node: "n5", lastSeen: null }), ctx.responder.command("ReleaseNode", { node: "n5" })]);
  await waitFor("n5 a member again, without c5", () => h5.state().nodes.n5?.status === "ready" && !h5.state().nodes.n5?.containers.c5);
  assert.ok(joinsOf("n5") > joinsBefore);
  const types = (await history(ctx.nc)).filter((e) => e.subject === "ovl.evt.node.n5").map((e) => e.type);
  assert.equal(types.slice(-4), ["NodeLost", "NodeLeft", "NodeJoined", "SubnetAssigned"], "joined as a new node");
  await waitFor("a sync of the new membership, without c5", () => runtime.last()?.containers.length === 0 && h5.seq() >= ctx.responder.last);
  const ended = await Promise.race([h5.done.then(() => true, () => true), new Promise((r) => setTimeout(() => r(false), 500))]);
  assert.is(ended, false, "the agent keeps running");
});

test.run();
