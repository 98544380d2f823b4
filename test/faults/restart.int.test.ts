/**
 * Restarts (docs/faults.md section 2), against a real nats-server: the server killed -9 and started on
 * the same store under load leaves two coordinators, two (simulated) agents, a following
 * client and the TUI's store resuming where they were: each fold equals the stream's fold, each is at the
 * stream's last sequence, and the client saw every sequence exactly once. An agent restarted
 * appends nothing. (A coordinator restarted or with its SQLite file deleted:
 * test/coordinator/rebuild.int.test.ts; an agent restarted on the kernel:
 * test/lab/overlay.e2e.test.ts.)
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { foldEvents, type ClusterState } from "@ovl/domain";
import { OvlClient, readEvents as follow } from "@ovl/client";
import { RecordingRuntime, runAgent, type AgentHandle } from "@ovl/node-agent";
import { ClusterStore, startFeed } from "@ovl/tui";
import { bed, type CoordinatorBed } from "../coordinator/support.js";
import { waitFor } from "../support/wait.js";
import { lastSeq, readEvents } from "../support/stream.js";

let b: CoordinatorBed;
const stops: (() => Promise<void>)[] = [];
test.before(async () => {
  b = await bed();
});
test.after(async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
  await b?.close();
});

const canonical = (s: ClusterState): string =>
  JSON.stringify(s, (_k, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1))) : v));

async function agent(node: string, ip: string, runtime = new RecordingRuntime()): Promise<AgentHandle & { runtime: RecordingRuntime }> {
  const nc = await b.srv.connect({ maxReconnectAttempts: -1 });
  const h = await runAgent({ nc, node, underlayIp: ip, lanMtu: 1500, stateDir: join(b.dir, node), runtime, heartbeatMs: 500, reconcileMs: 1000 });
  const stop = async () => (await h.stop(), await nc.close());
  stops.push(stop);
  return { ...h, stop, runtime };
}

async function starts(client: OvlClient, names: string[]): Promise<void> {
  await Promise.all(names.map((name, i) => client.run({ name, node: i % 2 ? "r1" : "r2", image: "busybox", cmd: [], ports: [] })));
}

test("nats-server killed -9 and restarted: coordinators, agents and a client resume, nothing missed, nothing twice", async () => {
  const c1 = await b.coordinator({ db: "r1.db" });
  const c2 = await b.coordinator({ db: "r2.db" });
  const a1 = await agent("r1", "198.18.0.21");
  const a2 = await agent("r2", "198.18.0.22");
  const cnc = await b.srv.connect({ maxReconnectAttempts: -1 });
  const client = new OvlClient(cnc, { timeoutMs: 30_000 });
  stops.push(() => client.close());
  const store = new ClusterStore(5);
  const feed = startFeed(cnc, store);
  stops.push(async () => (await feed.stop(), store.dispose()));
  const seen: number[] = [];
  const abort = new AbortController();
  const reading = (async () => {
    for await (const item of follow(cnc, { follow: true, signal: abort.signal })) seen.push(item.ok ? item.event.seq : item.seq);
  })();

  await starts(client, Array.from({ length: 20 }, (_, i) => `before-${i}`));
  const during = starts(client, Array.from({ length: 20 }, (_, i) => `during-${i}`));
  await b.srv.restart();
  await during;
  await starts(client, Array.from({ length: 20 }, (_, i) => `after-${i}`));

  const allRunning = async () => {
    const fold = foldEvents(await readEvents(b.nc));
    const ctrs = Object.values(fold.nodes).flatMap((n) => Object.values(n.containers));
    return ctrs.length === 60 && ctrs.every((c) => c.state === "running");
  };
  await waitFor("60 containers running", allRunning, 30_000);
  const last = await lastSeq(b.nc);
  await waitFor("everyone at the last sequence", () => [c1.seq(), c2.seq(), a1.seq(), a2.seq(), seen.at(-1) ?? 0, store.history.lastSeq].every((s) => s === last), 15_000);
  const fold = canonical(foldEvents(await readEvents(b.nc)));
  for (const [who, state] of [["coordinator 1", c1.state()], ["coordinator 2", c2.state()], ["agent r1", a1.state()], ["agent r2", a2.state()], ["TUI store", store.history.state]] as const) {
    assert.is(canonical(state), fold, `${who}'s fold is the stream's fold`);
  }
  assert.equal(seen, Array.from({ length: last }, (_, i) => i + 1), "the client saw every sequence once, in order");
  const held = Array.from({ length: store.history.length }, (_, i) => store.history.at(i)!).map((it) => (it.ok ? it.event.seq : it.seq));
  assert.equal(held, seen, "the TUI store holds every sequence once, in order");
  abort.abort();
  await reading.catch(() => undefined);

  // An agent restarted changes nothing: it reads everything again and appends nothing.
  await a1.stop();
  const again = await agent("r1", "198.18.0.21");
  await waitFor("r1 caught up again", () => again.seq() === last, 10_000);
  await waitFor("r1 synced", () => again.runtime.syncCount >= 2, 10_000);
  await new Promise((r) => setTimeout(r, 1500));
  assert.is(await lastSeq(b.nc), last, "a restarted agent appends nothing");
  assert.is(again.runtime.last()?.containers.length, 30, "and sees its 30 containers");
});

test.run();
