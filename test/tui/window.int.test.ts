/**
 * The TUI's history window against a real nats-server: a stream of a few thousand events
 * with a snapshot every 500 in OVL_SNAPSHOTS, read by the TUI's own feed and pager. It
 * opens from the newest snapshot holding the events before it too; travelling to random
 * cursors back to the first event and forward again, the state at each equals a fold from
 * the start, and the window stays bounded; events appended meanwhile reach the live fold,
 * and back at live the window follows the tip again.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { foldEvents, type StoredEvent } from "@ovl/domain";
import { ensureStreams } from "@ovl/broker-setup";
import { readRange, streamFacts, writeSnapshot, type EventItem } from "@ovl/client";
import { ClusterStore, History, startFeed, type Feed } from "@ovl/tui";
import type { NatsConnection } from "nats";
import { startNats, type TestNats } from "../support/nats.js";
import { waitFor } from "../support/wait.js";
import { fillStream, history } from "../../bench/lib/history.js";
import { appendEvents } from "../support/tui-seed.js";
import { settleFocus } from "./fixtures.js";

const test = suite("tui history window");
const CLUSTER = { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 1, vxlanPort: 4789, mtu: 1450 };
const PAGE = 100;
const MAX_PAGES = 8;
let srv: TestNats;
let nc: NatsConnection;
let all: EventItem[] = [];

const events = (upto: number): StoredEvent[] => all.slice(0, upto).flatMap((i) => (i.ok ? [i.event] : []));
const foldTo = (seq: number) => foldEvents(events(seq));

async function readAll(): Promise<EventItem[]> {
  const items: EventItem[] = [];
  const last = (await streamFacts(nc)).lastSeq;
  await readRange(nc, 1, last, (i) => items.push(i), () => undefined);
  return items;
}

test.before(async () => {
  srv = await startNats();
  nc = await srv.connect();
  await ensureStreams(await nc.jetstreamManager());
  await fillStream(nc, history(4000, { nodes: 16, cluster: CLUSTER }), false);
  all = await readAll();
  const { clusterId } = await streamFacts(nc);
  for (let seq = 500; seq <= all.length; seq += 500) await writeSnapshot(nc, foldTo(seq), { clusterId: clusterId!, seq });
});
test.after(async () => {
  await nc?.close();
  await srv?.stop();
});

/** A seeded sequence of numbers, so that a failure can be replayed. */
function steps(seed: number, n: number, min: number, max: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) % 2 ** 31), min + (x % (max - min + 1))));
}

test("from live to the first event and back at random cursors: each state is the fold from the start, the window bounded", async () => {
  const h = new History(PAGE, MAX_PAGES);
  const store = new ClusterStore(1, h);
  const feed: Feed = startFeed(nc, store);
  try {
    await waitFor("live", () => store.link.phase === "live" && h.lastSeq === all.length);
    await settleFocus(store, null);
    assert.ok(h.base < 4000 && h.length > 0, `opened from the snapshot at 4000, holding the events before it too (from ${h.base})`);
    assert.equal(h.state, foldTo(all.length));
    let maxHeld = 0;
    const check = async (seq: number) => {
      await settleFocus(store, seq);
      maxHeld = Math.max(maxHeld, h.length);
      assert.ok(h.pages <= MAX_PAGES, `${h.pages} pages held at seq ${seq}`);
      assert.equal(h.stateAt(seq), foldTo(seq), `seq ${seq}`);
    };
    let seq = all.length;
    for (const d of steps(7, 1000, 1, 450)) {
      seq = Math.max(1, seq - d);
      await check(seq);
      if (seq === 1) break;
    }
    // Events appended while far back reach the live fold, not the window.
    const before = all.length;
    await appendEvents(nc, [{ type: "NodeJoined", data: { node: "late", underlayIp: "198.18.9.9", agentVersion: "t" } }]);
    all = await readAll();
    await waitFor("the late event", () => h.lastSeq === before + 1);
    assert.equal(h.state, foldTo(all.length));
    for (const d of steps(11, 1000, 1, 700)) {
      seq = Math.min(all.length, seq + d);
      await check(seq);
      if (seq === all.length) break;
    }
    for (const far of [37, 3999, 1500]) await check(far); // jumps
    assert.ok(maxHeld <= PAGE * MAX_PAGES, `held at most ${maxHeld} events`);
    await settleFocus(store, null);
    assert.ok(h.attached && h.end === all.length, "back at live, the window ends at the tip");
  } finally {
    await feed.stop();
    store.dispose();
  }
});

test.run();
