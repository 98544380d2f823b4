/**
 * Snapshots of the fold against a real nats-server: a coordinator writes one every N
 * events; a reader starting from one reads only the events after it and ends at the
 * stream's fold; a bogus head is ignored with a log line; an agent ignores a local
 * snapshot file of another cluster, starts from the coordinators' one, and writes its own
 * at stop; `ovl ps/nodes --at SEQ` show the fold up to SEQ and refuse a SEQ past the end; after a purge, a snapshot older than the stream's first sequence is ignored
 * with a log line and the reader is still right.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { encodeSnapshot, eventOf, foldEvents, nodeRows, psRows, StateDraft, emptyState, subjects, type ClusterState } from "@ovl/domain";
import { listSnapshots, loadSnapshot, readRange, sha256, stateAt, type EventItem } from "@ovl/client";
import { RecordingRuntime, runAgent } from "@ovl/node-agent";
import { bed, type CoordinatorBed } from "../coordinator/support.js";
import { waitFor } from "../support/wait.js";
import { fillStream, history } from "../../bench/lib/history.js";

const test = suite("snapshots");
const EVERY = 10;
const CLUSTER = { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 4242, vxlanPort: 4789, mtu: 1450 };
let b: CoordinatorBed;
let last = 0;

/** The fold of the stream's events from..to, read here with readRange (the reader under test folds otherwise). */
async function foldRange(from: number, to: number, base: ClusterState = emptyState): Promise<{ state: ClusterState; read: number }> {
  const draft = new StateDraft(base);
  let read = 0;
  await readRange(b.nc, from, to, (item: EventItem) => {
    read++;
    if (item.ok) draft.apply(eventOf(item.event), item.event);
  }, () => undefined);
  return { state: draft.state, read };
}

test.before(async () => {
  b = await bed();
  await b.coordinator({ cluster: CLUSTER, snapshotEvery: EVERY, lostAfterMs: 0 });
  // The coordinator created the cluster (seq 1); nodes r1..r4 and their containers follow.
  await fillStream(b.nc, history(54, { nodes: 4 }), false);
  last = (await (await b.nc.jetstreamManager()).streams.info(subjects.STREAM_EVENTS)).state.last_seq;
  // The newest is written first, the older ones the schedule keeps after it.
  await waitFor("the snapshots at 10..50", async () => (await listSnapshots(b.nc)).join() === "10,20,30,40,50");
});
test.after(async () => {
  await b?.close();
});

test("the coordinator writes at multiples of N (in a burst, every one the schedule keeps); a reader reads only the events after the newest", async () => {
  const seqs = await listSnapshots(b.nc);
  assert.equal(seqs, [10, 20, 30, 40, 50]);
  const logs: string[] = [];
  const snap = await loadSnapshot(b.nc, { log: (l) => logs.push(l) });
  assert.is(snap?.head.seq, 50);
  assert.equal(logs, []);
  assert.equal(snap!.state, (await foldRange(1, 50)).state);
  const after = await foldRange(51, last, snap!.state);
  assert.is(after.read, last - 50, "only the events after the snapshot");
  assert.equal(after.state, (await foldRange(1, last)).state);
  const at = await stateAt(b.nc, 45, () => undefined);
  assert.equal([at.from, at.seq], [Math.max(...seqs.filter((x) => x <= 45)), 45], "from the nearest snapshot before it");
  assert.equal(at.state, (await foldRange(1, 45)).state);
});

test("a head that does not parse is ignored with a log line; the next older one is used", async () => {
  const js = b.nc.jetstream();
  await js.publish(subjects.snapshotSubject(last, "head"), "{not json");
  const logs: string[] = [];
  const snap = await loadSnapshot(b.nc, { log: (l) => logs.push(l) });
  assert.is(snap?.head.seq, 50);
  assert.is(logs.length, 1);
  assert.match(logs[0]!, new RegExp(`snapshot at seq ${last} ignored: .*JSON`));
  await (await b.nc.jetstreamManager()).streams.purge(subjects.STREAM_SNAPSHOTS, { filter: subjects.snapshotSubject(last, "head") });
});

test("an agent ignores a local snapshot of another cluster, starts from the coordinators', and writes its own at stop", async () => {
  const stateDir = join(b.dir, "agent-n9");
  mkdirSync(stateDir, { recursive: true });
  const foreign = encodeSnapshot(emptyState, { clusterId: "f".repeat(64), seq: 3, eventHash: "e".repeat(64) }, sha256);
  writeFileSync(join(stateDir, "fold.snapshot"), `${JSON.stringify(foreign.head)}\n${foreign.text}`);
  const logs: string[] = [];
  const start = async () => {
    const h = await runAgent({ nc: b.nc, node: "n9", underlayIp: "198.18.0.99", lanMtu: 1500, stateDir, runtime: new RecordingRuntime(), heartbeatMs: 200, reconcileMs: 300, log: (l) => void logs.push(l) });
    await waitFor("the agent's fold at the stream's end", async () => h.seq() === (await (await b.nc.jetstreamManager()).streams.info(subjects.STREAM_EVENTS)).state.last_seq);
    return h;
  };
  const h = await start();
  assert.ok(logs.some((l) => /local snapshot .*fold\.snapshot ignored: of cluster f+, the stream's is [0-9a-f]+/.test(l)), logs.join("\n"));
  assert.ok(logs.includes("starting from the snapshot at seq 50"), logs.join("\n"));
  assert.equal(h.state(), (await foldRange(1, h.seq())).state);
  const stoppedAt = h.seq();
  await h.stop();
  assert.ok(existsSync(join(stateDir, "fold.snapshot")));
  logs.length = 0;
  const again = await start();
  assert.ok(logs.includes(`starting from the snapshot at seq ${stoppedAt}`), logs.join("\n"));
  assert.equal(again.state(), (await foldRange(1, again.seq())).state);
  await again.stop();
});

test("ovl ps --at and ovl nodes --at show the cluster right after that event", async () => {
  const ovl = (...args: string[]) => JSON.parse(execFileSync(process.execPath, ["packages/cli/dist/ovl.mjs", ...args, "--json", "--nats", b.srv.url], { encoding: "utf8" }));
  const state = (await foldRange(1, 45)).state;
  assert.equal(ovl("ps", "--at", "45"), psRows(state));
  assert.equal(ovl("nodes", "--at", "45"), JSON.parse(JSON.stringify(nodeRows(state, new Map()))));
});

test("ovl ps --at past the last event is a usage error that says where the history ends", async () => {
  const end = (await (await b.nc.jetstreamManager()).streams.info(subjects.STREAM_EVENTS)).state.last_seq;
  for (const cmd of ["ps", "nodes"]) {
    const r = spawnSync(process.execPath, ["packages/cli/dist/ovl.mjs", cmd, "--at", String(end + 1), "--nats", b.srv.url], { encoding: "utf8" });
    assert.is(r.status, 2, r.stderr);
    assert.is(r.stderr, `error: --at ${end + 1}: the history ends at seq ${end}\n`);
    assert.is(r.stdout, "");
  }
});

test("after a purge, snapshots older than the stream's first sequence are ignored, and the reader is right anyway", async () => {
  const jsm = await b.nc.jetstreamManager();
  const end = (await jsm.streams.info(subjects.STREAM_EVENTS)).state.last_seq;
  await jsm.streams.purge(subjects.STREAM_EVENTS, { seq: end - 2 }); // keeps the last three
  const logs: string[] = [];
  const at = await stateAt(b.nc, end, (l) => logs.push(l));
  assert.is(at.from, 0, "folded from the stream's first event");
  assert.ok(logs.some((l) => /snapshot at seq 50 ignored: at seq 50, older than the stream's first/.test(l)), logs.join("\n"));
  const stored: EventItem[] = [];
  await readRange(b.nc, end - 2, end, (i) => stored.push(i), () => undefined);
  assert.equal(at.state, foldEvents(stored.flatMap((i) => (i.ok ? [i.event] : []))));
});

test.run();
