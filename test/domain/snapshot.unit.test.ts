/**
 * Snapshots of the fold, the pure part (domain/src/snapshot.ts): the encoding round-trips
 * whatever the maps' key order, and a snapshot is refused, saying why, when it is of
 * another cluster, older than the stream's first sequence, past its end, taken at an event
 * the stream no longer holds the same, or when its state does not match its digest.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import {
  OvlError,
  canonicalJson,
  decodeSnapshotState,
  encodeSnapshot,
  foldEvents,
  parseSnapshotHead,
  snapshotCandidates,
  snapshotMismatch,
  snapshotsToKeep,
  snapshotSpacing,
  snapshotsToWrite,
  SNAPSHOTS_SPREAD,
  type Envelope,
} from "@ovl/domain";
import { clusterCreated, member } from "./builders.js";

const sha = (t: string): string => createHash("sha256").update(t).digest("hex");
const T = "2026-01-01T00:00:00.000Z";
const envs = [clusterCreated(), ...member("n1", 0), ...member("n2", 1)].map((e) => ({ type: e.type, v: 1, time: T, data: e.data }) as Envelope);
const state = foldEvents(envs);
const CLUSTER = "a".repeat(64);
const EVENT = "b".repeat(64);
const { head, text } = encodeSnapshot(state, { clusterId: CLUSTER, seq: 100, eventHash: EVENT }, sha);
const facts = { clusterId: CLUSTER, firstSeq: 1, lastSeq: 200 };

const encode = suite("encode");
encode("the state comes back equal, and the same whatever order its maps were built in", () => {
  assert.equal(decodeSnapshotState(text, head, sha), state);
  const reordered = { nodes: Object.fromEntries(Object.entries(state.nodes).reverse()), cluster: state.cluster };
  assert.is(canonicalJson(reordered), text);
});
encode("a head read from outside is validated", () => {
  assert.equal(parseSnapshotHead(JSON.parse(JSON.stringify(head))), head);
  assert.throws(() => parseSnapshotHead({ ...head, seq: "100" }), (e: unknown) => e instanceof OvlError && /seq/.test(e.message));
});
encode.run();

const verify = suite("verify");
verify("a snapshot of this stream, at an event it holds, is used", () => {
  assert.is(snapshotMismatch(head, facts, EVENT), null);
});
verify("another cluster's is ignored", () => {
  assert.match(snapshotMismatch(head, { ...facts, clusterId: "c".repeat(64) }, EVENT) ?? "", /of cluster a+, the stream's is c+/);
});
verify("one older than the stream's first sequence (a purge) is ignored; one right before it is used", () => {
  assert.match(snapshotMismatch(head, { ...facts, firstSeq: 150 }, null) ?? "", /older than the stream's first 150/);
  assert.is(snapshotMismatch(head, { ...facts, firstSeq: 101 }, null), null);
});
verify("one past the stream's end (a stream made again) is ignored", () => {
  assert.match(snapshotMismatch(head, { ...facts, lastSeq: 50 }, null) ?? "", /past the stream's last 50/);
});
verify("one taken at an event the stream now holds otherwise (a restored stream) is ignored", () => {
  assert.match(snapshotMismatch(head, facts, "d".repeat(64)) ?? "", /not the one it was taken at/);
  assert.match(snapshotMismatch(head, facts, null) ?? "", /holds no event at seq 100/);
});
verify("another format is ignored; without the ClusterCreated event (purged) the event at its seq must vouch for it", () => {
  assert.match(snapshotMismatch({ ...head, format: 2 }, facts, EVENT) ?? "", /format 2/);
  assert.is(snapshotMismatch(head, { ...facts, clusterId: null }, EVENT), null, "the event at its seq vouches for it");
  assert.match(snapshotMismatch(head, { clusterId: null, firstSeq: 101, lastSeq: 200 }, null) ?? "", /neither its ClusterCreated/);
});
verify("a state that does not match its digest (stale) or is not JSON (corrupt) is refused", () => {
  const other = encodeSnapshot(foldEvents(envs.slice(0, 3)), { clusterId: CLUSTER, seq: 100, eventHash: EVENT }, sha);
  assert.throws(() => decodeSnapshotState(other.text, head, sha), (e: unknown) => e instanceof OvlError && /digest/.test(e.message));
  const corrupt = text.slice(0, -3);
  assert.throws(() => decodeSnapshotState(corrupt, { ...head, digest: sha(corrupt) }, sha), (e: unknown) => e instanceof OvlError && /not JSON/.test(e.message));
  const wrong = JSON.stringify({ cluster: null, nodes: { n1: { name: 1 } } });
  assert.throws(() => decodeSnapshotState(wrong, { ...head, digest: sha(wrong) }, sha), (e: unknown) => e instanceof OvlError && /invalid state/.test(e.message));
});
verify.run();

const keep = suite("keep and pick");
keep("the four newest, and the older ones at a spacing doubled until at most `spread` fit", () => {
  const seqs = Array.from({ length: 25 }, (_, i) => (i + 1) * 10);
  assert.equal([...snapshotsToKeep(seqs, 10, 4, 8)].sort((a, b) => a - b), [40, 80, 120, 160, 200, 220, 230, 240, 250]);
  assert.equal(snapshotsToKeep(seqs, 10).size, 25, "a short history keeps them all");
  assert.equal(snapshotsToKeep([], 10).size, 0);
});
keep("the spacing: nested schedules, a bounded count, any sequence within one spacing of a kept snapshot", () => {
  assert.equal(snapshotSpacing(0, 10_000), 10_000);
  assert.equal(snapshotSpacing(320_000, 10_000), 10_000);
  assert.equal(snapshotSpacing(330_000, 10_000), 20_000);
  assert.equal(snapshotSpacing(1_000_000, 10_000), 40_000);
  let kept: number[] = [];
  for (let newest = 10_000; newest <= 3_000_000; newest += 10_000) {
    const spacing = snapshotSpacing(newest, 10_000);
    const keep = snapshotsToKeep([...kept, newest], 10_000);
    for (const s of kept.filter((s) => s % spacing === 0)) assert.ok(keep.has(s), `${s} dropped at ${newest}: the schedules are nested`);
    kept = [...keep].sort((a, b) => a - b);
    assert.ok(kept.length <= SNAPSHOTS_SPREAD + 4, `${kept.length} kept at ${newest}`);
    const gaps = kept.map((s, i) => s - (kept[i - 1] ?? 0));
    assert.ok(Math.max(...gaps) <= spacing && spacing <= Math.max(10_000, (2 * newest) / SNAPSHOTS_SPREAD), `gap ${Math.max(...gaps)} at ${newest}`);
  }
});
keep("a writer behind the fold skips only what thinning would drop", () => {
  assert.equal(snapshotsToWrite([], 10_000, 10_000), [10_000]);
  assert.equal(snapshotsToWrite([10_000, 20_000], 30_000, 10_000), [10_000, 20_000, 30_000]);
  // Past 320,000 the spacing is 20,000: odd multiples of 10,000 waiting are not written.
  assert.equal(snapshotsToWrite([300_000, 310_000, 320_000], 330_000, 10_000), [300_000, 320_000, 330_000]);
  assert.ok(snapshotsToWrite(Array.from({ length: 100 }, (_, i) => (i + 1) * 10_000), 1_010_000, 10_000).length <= SNAPSHOTS_SPREAD + 1);
});
keep("time travel tries the newest at or before the target first", () => {
  assert.equal(snapshotCandidates([10, 20, 30, 40], 35), [30, 20, 10]);
  assert.equal(snapshotCandidates([10, 20], 5), []);
});
keep.run();
