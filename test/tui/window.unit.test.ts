/**
 * The history window: which reads it plans, which end it drops, and, with an in-memory
 * stream and snapshots, that travelling from live to the first event and back keeps
 * every state equal to a fold from the start while the window stays bounded.
 */
import "./dev-mode.js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { foldEvents, type ClusterState } from "@ovl/domain";
import { ClusterStore, History, SegmentBuilder, dropSide, planLoad, type PageRequest, type ReadShape, type Segment } from "@ovl/tui";
import { burstEvents, clusterEvents } from "../support/tui-seed.js";
import { settleFocus, stored, wait } from "./fixtures.js";

const O = { page: 100, maxPages: 6 };

test("plan: live and held, nothing to read; a window that just opened from a snapshot reads the page before it", () => {
  assert.is(planLoad({ start: 4000, end: 9000, last: 9000 }, null, O), null);
  assert.is(planLoad({ start: 0, end: 0, last: 0 }, null, O), null);
  assert.equal(planLoad({ start: 9000, end: 9000, last: 9000 }, null, O), { from: 8900, to: 9000, fromWindow: false });
  assert.equal(planLoad({ start: 9050, end: 9120, last: 9120 }, null, O), { from: 9000, to: 9050, fromWindow: false });
});

test("plan: a focus near the window's start reads back to it; a focus far away reads its own pages from a snapshot", () => {
  assert.equal(planLoad({ start: 5000, end: 5600, last: 9000 }, 4850, O), { from: 4800, to: 5000, fromWindow: false });
  assert.equal(planLoad({ start: 5000, end: 5600, last: 9000 }, 5000, O), { from: 4900, to: 5000, fromWindow: false }, "the first page held: a page of margin");
  assert.equal(planLoad({ start: 5000, end: 5600, last: 9000 }, 1, O), { from: 0, to: 200, fromWindow: false });
  assert.equal(planLoad({ start: 5000, end: 5600, last: 9000 }, 2345, O), { from: 2200, to: 2500, fromWindow: false });
  assert.equal(planLoad({ start: 5000, end: 5600, last: 5600 }, 5300, O), null, "inside, with a page each side");
});

test("plan: forward reads continue from the window's own end; far ahead or back to live far away, from a snapshot", () => {
  assert.equal(planLoad({ start: 5000, end: 5600, last: 9000 }, 5650, O), { from: 5600, to: 6000, fromWindow: true });
  assert.equal(planLoad({ start: 5000, end: 5600, last: 9000 }, 5550, O), { from: 5600, to: 6000, fromWindow: true }, "read ahead before the cursor gets there");
  assert.equal(planLoad({ start: 5000, end: 5600, last: 5650 }, null, O), { from: 5600, to: 5650, fromWindow: true });
  assert.equal(planLoad({ start: 500, end: 1100, last: 9000 }, null, O), { from: 8800, to: 9000, fromWindow: false });
});

test("drop: live, the oldest; travelling, what lies behind the travel beyond the margin; standing, the farther end", () => {
  const w = { start: 1000, end: 2000, last: 5000 };
  assert.is(dropSide(w, null, 0, 100), "oldest");
  assert.is(dropSide(w, 1100, 0, 100), "newest");
  assert.is(dropSide(w, 1900, 0, 100), "oldest");
  assert.is(dropSide(w, 1500, -1, 100), "newest", "going back: what was read from a snapshot before the cursor stays");
  assert.is(dropSide(w, 1800, -1, 100), "oldest", "but the margin ahead stays too");
  assert.is(dropSide(w, 1500, 1, 100), "oldest");
  assert.is(dropSide(w, 1200, 1, 100), "newest");
});

test("history: a read after the window's end while it is away from the tip goes after it; one far away replaces it", () => {
  const items = stored([...clusterEvents(4, 3), ...burstEvents(4, 100)]);
  const fold = (n: number) => foldEvents(items.slice(0, n).flatMap((i) => (i.ok ? [i.event] : [])));
  const h = new History(10, 100);
  h.rebase(items.length, fold(items.length));
  h.insert({ seq: 50, state: fold(50), to: 70, items: items.slice(50, 70) });
  assert.equal([h.base, h.end, h.attached], [50, 70, false]);
  h.insert({ seq: 70, state: h.stateAt(70)!, to: 90, items: items.slice(70, 90) });
  assert.equal([h.base, h.end], [50, 90]);
  assert.equal(h.stateAt(85), fold(85));
  assert.is(h.stateAt(95), null, "not held: read first");
  h.insert({ seq: 110, state: fold(110), to: items.length, items: items.slice(110) });
  assert.equal([h.base, h.end, h.attached], [110, items.length, true]);
});

/** An in-memory stream with a snapshot every `snapEvery` events, served as the pager serves OVL_EVENTS. */
function memoryStream(items: ReturnType<typeof stored>, snapEvery: number) {
  const fold = (n: number): ClusterState => foldEvents(items.slice(0, n).flatMap((i) => (i.ok ? [i.event] : [])));
  let reads = 0;
  let longest = 0;
  const lengths: number[] = [];
  const pager = async ({ from, to, state, held }: PageRequest, shape: ReadShape): Promise<Segment> => {
    reads++;
    await wait(2);
    const snap = Math.floor(from / snapEvery) * snapEvery;
    const seq = state ? from : held && held.seq > snap ? held.seq : snap;
    if (!state && held && held.seq > snap) assert.equal(held.state, fold(held.seq), "a state held in memory is the fold");
    longest = Math.max(longest, to - seq);
    lengths.push(to - seq);
    // Folded as it is read, as the real pager does: what it keeps is bounded.
    const b = new SegmentBuilder({ seq, state: state ?? fold(seq) }, shape.page, shape.keepPages, shape.sparseEvery, shape.maxSparse);
    for (const item of items.slice(seq, to)) b.add(item);
    const seg = b.finish(to);
    assert.ok(seg.items.length <= shape.page * shape.keepPages, `a read kept ${seg.items.length} events`);
    return seg;
  };
  return { fold, pager, reads: () => reads, longest: () => longest, lengths };
}

test("travel from live to the first event and back: every state equals the fold, the window stays bounded, bursts coalesce", async () => {
  const items = stored([...clusterEvents(4, 3), ...burstEvents(4, 3600)]); // 3,633 events
  const s = memoryStream(items, 500);
  const h = new History(O.page, O.maxPages);
  const store = new ClusterStore(1, h);
  store.rebase(3000, s.fold(3000));
  store.appendEvents(items.slice(3000));
  store.setPager(s.pager);
  await settleFocus(store, null);
  assert.ok(h.length > 0 && h.attached, "opened from a snapshot, the window holds the newest events");
  let maxHeld = 0;
  const check = (seq: number) => {
    maxHeld = Math.max(maxHeld, h.length);
    assert.ok(h.pages <= O.maxPages, `${h.pages} pages held`);
    assert.equal(h.stateAt(seq), s.fold(seq), `seq ${seq}`);
  };
  for (let seq = items.length - 37; seq >= 1; seq -= 137) {
    await settleFocus(store, seq);
    check(seq);
  }
  for (let seq = 1; seq <= items.length; seq += 173) {
    await settleFocus(store, seq);
    check(seq);
  }
  assert.ok(maxHeld <= O.page * O.maxPages, `held ${maxHeld} events`);
  // A burst: the focus moves 20 times while one read runs; the reads that follow go where it ended.
  const before = s.reads();
  for (let k = 1; k <= 20; k++) store.focusOn(items.length - 100 * k);
  await settleFocus(store, items.length - 2000);
  check(items.length - 2000);
  // The read the first key started, the one where the burst ended, and reads ahead of it: not one per key.
  assert.ok(s.reads() - before <= 4, `${s.reads() - before} reads for a burst of 20`);
  await settleFocus(store, null);
  assert.ok(h.attached, "back to live, the window follows the tip again");
  const more = stored(burstEvents(4, 5), items.length + 1);
  store.appendEvents(more);
  assert.is(h.end, items.length + more.length);
  store.dispose();
});

test("opened live from a snapshot, the pages behind it are read only once a frame has shown the link live", async () => {
  const items = stored([...clusterEvents(4, 3), ...burstEvents(4, 600)]);
  const s = memoryStream(items, 500);
  const store = new ClusterStore(1, new History(O.page, O.maxPages));
  store.setLink("loading", "reading the newest snapshot");
  store.rebase(500, s.fold(500));
  store.setPager(s.pager);
  await wait(30);
  assert.is(s.reads(), 0, "nothing read behind the snapshot while loading");
  store.setLink("live");
  for (let t = 0; t < 100 && s.reads() === 0; t++) await wait(5);
  assert.ok(s.reads() > 0, "read once live was shown");
  await settleFocus(store, null);
  assert.ok(store.history.base < 500, `the window reaches back to ${store.history.base}`);
  store.dispose();
});

test("where the stream has no snapshot, one long read leaves checkpoints behind, and the next reads start from them", async () => {
  const items = stored([...clusterEvents(4, 3), ...burstEvents(4, 3600)]);
  const s = memoryStream(items, 1e9); // no snapshot but the empty state at 0
  const h = new History(O.page, O.maxPages);
  const store = new ClusterStore(1, h);
  store.rebase(3600, s.fold(3600));
  store.appendEvents(items.slice(3600));
  store.setPager(s.pager);
  await settleFocus(store, 3500);
  const first = s.lengths.length;
  for (let seq = 3400; seq >= 1; seq -= 90) {
    await settleFocus(store, seq);
    assert.equal(h.stateAt(seq), s.fold(seq), `seq ${seq}`);
  }
  const later = s.lengths.slice(first);
  assert.ok(later.length > 5 && later.every((n) => n <= 10 * O.page + 4 * O.page), `reads after the first: ${later.join(", ")}`);
  store.dispose();
});

test.run();
