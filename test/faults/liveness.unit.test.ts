/** The liveness rule on a hand-driven clock: who is declared lost, when, and under which request id. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { okReply, type ClusterState, type Heartbeat } from "@ovl/domain";
import { lostRequestId, watchLiveness, type JobSpec } from "@ovl/coordinator";

const node = (name: string, status: "ready" | "lost" | "leaving", since = "2026-01-01T00:00:00.000Z") =>
  ({ name, underlayIp: "198.18.0.1", agentVersion: "t", status, subnet: null, gateway: null, since, containers: {} });

function setup(nodes: ReturnType<typeof node>[], intervalMs = 3_600_000) {
  let now = 0;
  let state: ClusterState = { cluster: null, nodes: Object.fromEntries(nodes.map((n) => [n.name, n])) };
  const beats = new Map<string, Heartbeat>();
  const jobs: JobSpec[] = [];
  const live = watchLiveness({
    state: () => state, heartbeats: beats, lostAfterMs: 1000, log: () => undefined, clock: () => now, intervalMs,
    submit: async (j) => (jobs.push(j), okReply({})),
  });
  const beat = (n: string) => beats.set(n, { node: n, time: new Date(now).toISOString(), cpu: 0, memFree: 0, memTotal: 0, agentVersion: "t" });
  return { live, jobs, beat, at: (ms: number) => void (now = ms), set: (s: ClusterState) => void (state = s), get: () => state };
}

test("a full period from the start before anyone is lost, then only silent ready nodes", () => {
  const t = setup([node("a", "ready"), node("b", "ready"), node("c", "lost"), node("d", "leaving")]);
  t.at(999);
  assert.equal(t.live.tick(), [], "nobody before a full period of watching");
  t.beat("a");
  t.at(1000);
  assert.equal(t.live.tick(), ["b"], "a beat at 999; b silent since the watch began; lost and leaving nodes are never declared");
  t.at(1998);
  assert.equal(t.live.tick(), ["b"]);
  t.at(2000);
  assert.equal(t.live.tick(), ["a", "b"]);
  assert.equal(t.jobs.map((j) => j.id), [lostRequestId(node("b", "ready")), lostRequestId(node("a", "ready"))], "each loss submitted once");
  assert.equal(t.jobs[0]!.command, { type: "LoseNode", data: { node: "b", lastSeen: null } });
  t.live.stop();
});

test("a rejoin is fresh and gets a new request id; a reconnect restarts the watch; paused declares nothing", () => {
  const t = setup([node("a", "ready")]);
  t.at(500);
  t.set({ cluster: null, nodes: { a: node("a", "ready", "2026-01-01T00:00:05.000Z") } });
  t.live.tick(); // the join seen at 500
  t.at(1400);
  assert.equal(t.live.tick(), []);
  t.live.pause();
  t.at(5000);
  assert.equal(t.live.tick(), [], "nothing while disconnected");
  t.live.restartWatch();
  t.at(5999);
  assert.equal(t.live.tick(), [], "a full period after the reconnect");
  t.at(6000);
  assert.equal(t.live.tick(), ["a"]);
  assert.is(t.jobs[0]!.id, "lost-a-1767225605000");
  t.live.stop();
});

test("a late check (the coordinator itself was stalled) declares nothing; the next one on time does", () => {
  const t = setup([node("a", "ready")], 250);
  t.live.stop(); // driven by hand only
  t.at(200);
  assert.equal(t.live.tick(), []);
  t.at(5000); // 4.8 s since the last check: beats read after this timer callback would be missed
  assert.equal(t.live.tick(), [], "not on a check that comes more than two intervals late");
  t.beat("a"); // the beat that waited in the socket during the stall
  t.at(5250);
  assert.equal(t.live.tick(), [], "seen on the next check");
  for (const ms of [5500, 5750, 6000]) (t.at(ms), assert.equal(t.live.tick(), []));
  t.at(6250);
  assert.equal(t.live.tick(), ["a"], "checks on time: a full period of silence since the beat is declared");
});

test("request ids are deterministic and valid request ids", () => {
  const id = lostRequestId({ name: "n".repeat(32), since: "2026-11-27T23:00:00.123Z" });
  assert.match(id, /^[A-Za-z0-9_-]{8,64}$/);
  assert.is(id, lostRequestId({ name: "n".repeat(32), since: "2026-11-27T23:00:00.123Z" }));
});

test.run();
