/**
 * The snapshot a coordinator takes once the stream is quiet, against a real nats-server:
 * a reader then opens where the fold stands instead of reading every event after the last
 * multiple of `snapshotEvery`; a quiet stream too few events past the newest gets none.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { foldEvents, subjects } from "@ovl/domain";
import { listSnapshots, loadSnapshot, readRange, type EventItem } from "@ovl/client";
import { QUIET_MS } from "@ovl/coordinator";
import { bed, type CoordinatorBed } from "../coordinator/support.js";
import { waitFor } from "../support/wait.js";
import { fillStream, history } from "../../bench/lib/history.js";

const test = suite("quiet snapshots");
const CLUSTER = { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 4243, vxlanPort: 4789, mtu: 1450 };
let b: CoordinatorBed;

const lastSeq = async () => (await (await b.nc.jetstreamManager()).streams.info(subjects.STREAM_EVENTS)).state.last_seq;

test.before(async () => {
  b = await bed();
  await b.coordinator({ cluster: CLUSTER, snapshotEvery: 100, snapshotQuietGap: 5, lostAfterMs: 0 });
});
test.after(async () => {
  await b?.close();
});

test("quiet, the fold is snapshotted where it stands, and a reader opens there", async () => {
  await fillStream(b.nc, history(30, { nodes: 4 }), false);
  const last = await lastSeq();
  await waitFor(`a snapshot at seq ${last}`, async () => (await listSnapshots(b.nc)).includes(last), 4 * QUIET_MS + 5000);
  assert.equal(await listSnapshots(b.nc), [last], "none at a multiple of 100 yet: only the quiet one");
  const snap = await loadSnapshot(b.nc, { log: () => undefined });
  assert.is(snap?.head.seq, last);
  const items: EventItem[] = [];
  await readRange(b.nc, 1, last, (i) => items.push(i), () => undefined);
  assert.equal(snap!.state, foldEvents(items.flatMap((i) => (i.ok ? [i.event] : []))));
});

test("quiet again fewer events past it than the gap: no new snapshot", async () => {
  const before = await listSnapshots(b.nc);
  await fillStream(b.nc, history(3, { nodes: 1 }), false);
  await new Promise((r) => setTimeout(r, 3 * QUIET_MS));
  assert.equal(await listSnapshots(b.nc), before);
});

test.run();
