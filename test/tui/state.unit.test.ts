import "./dev-mode.js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { age, foldEvents, humanBytes } from "@ovl/domain";
import {
  appReducer,
  eventsReducer,
  fitColumns,
  formatRow,
  History,
  initialAppState,
  initialEventsState,
  matchesFilter,
  moveSelection,
  scrollOffset,
  timelineReducer,
  track,
} from "@ovl/tui";
import { burstEvents, clusterEvents } from "../support/tui-seed.js";
import { stored } from "./fixtures.js";

const envs = (items: ReturnType<typeof stored>) => items.flatMap((i) => (i.ok ? [i.event] : []));

test("history: the state at any sequence equals the fold of the history up to it (checkpoints every 10)", () => {
  const items = stored([...clusterEvents(4, 3), ...burstEvents(4, 60)]);
  const h = new History(10, 100);
  h.append(items);
  for (const seq of [0, 1, 5, 9, 10, 11, 33, 50, items.length - 1, items.length]) {
    assert.equal(h.stateAt(seq), foldEvents(envs(items.slice(0, seq))), `seq ${seq}`);
  }
  assert.is(h.state, h.stateAt(h.lastSeq));
});

test("history: from a snapshot, holding a bounded window; past states inside it equal the fold", () => {
  const items = stored([...clusterEvents(4, 3), ...burstEvents(4, 200)]);
  const h = new History(10, 5);
  h.rebase(20, foldEvents(envs(items.slice(0, 20))));
  assert.is(h.lastSeq, 20);
  h.append(items.slice(20));
  assert.ok(h.length < 60, `holds ${h.length} items`);
  assert.is(h.base, items.length - h.length);
  assert.equal(h.state, foldEvents(envs(items)));
  for (const seq of [h.base, h.base + 7, items.length - 1]) assert.equal(h.stateAt(seq), foldEvents(envs(items.slice(0, seq))), `seq ${seq}`);
});

test("history: pages put in front (on a page boundary or not) keep every past state equal to the fold", () => {
  const items = stored([...clusterEvents(4, 3), ...burstEvents(4, 200)]);
  for (const cut of [40, 47]) {
    const h = new History(10, 1000);
    h.rebase(100, foldEvents(envs(items.slice(0, 100))));
    h.append(items.slice(100));
    const held = h.length;
    h.insert({ seq: cut, state: foldEvents(envs(items.slice(0, cut))), to: 100, items: items.slice(cut, 100) });
    assert.is(h.length, held + 100 - cut);
    assert.is(h.base, cut);
    for (const seq of [cut, cut + 3, 60, 99, 100, 150, items.length]) assert.equal(h.stateAt(seq), foldEvents(envs(items.slice(0, seq))), `cut ${cut}, seq ${seq}`);
  }
});

test("history: a replayed sequence is ignored, so a resume after reconnect applies nothing twice", () => {
  const items = stored(clusterEvents(2, 2));
  const h = new History();
  assert.is(h.append(items.slice(0, 5)), 5);
  assert.is(h.append(items.slice(3)), items.length - 5);
  assert.is(h.length, items.length);
  assert.equal(h.state, foldEvents(envs(items)));
});

test("history: an invalid item is listed but not folded", () => {
  const valid = [...stored(clusterEvents(1, 1).slice(0, 2)), ...stored(clusterEvents(1, 1).slice(2), 4)];
  const h = new History();
  h.append([...valid.slice(0, 2), { ok: false, seq: 3, subject: "ovl.evt.x", error: "bad" }, ...valid.slice(2)]);
  assert.is(h.length, valid.length + 1);
  assert.is(h.indexOf(3), 2);
  assert.equal(h.state, foldEvents(envs(valid)));
});

test("selection: moves by key and clamps at both ends", () => {
  const keys = ["a", "b", "c"];
  assert.is(moveSelection(null, keys, 1), "b");
  assert.is(moveSelection("b", keys, 5), "c");
  assert.is(moveSelection("b", keys, -Infinity), "a");
  assert.is(moveSelection("gone", keys, 1), "b");
  assert.is(moveSelection("a", [], 1), null);
  assert.is(scrollOffset(0, 5, 100), 0);
  assert.is(scrollOffset(50, 10, 100), 45);
  assert.is(scrollOffset(99, 10, 100), 90);
});

test("filter: every word must appear, case-insensitive", () => {
  assert.ok(matchesFilter("web-1 n1 198.19.0.2 busybox running", "WEB n1"));
  assert.not.ok(matchesFilter("web-1 n1", "web n2"));
  assert.ok(matchesFilter("anything", "  "));
});

test("events: moving pins the selection and stops following; back to the top or f follows again", () => {
  const keys = ["30", "29", "28"];
  let s = eventsReducer(initialEventsState, { type: "move", delta: 1, keys });
  assert.equal(s, { selected: 29, follow: false });
  s = eventsReducer(s, { type: "move", delta: -1, keys });
  assert.equal(s, { selected: null, follow: true });
  s = eventsReducer({ selected: 28, follow: false }, { type: "follow" });
  assert.equal(s, { selected: null, follow: true });
});

test("timeline: steps stay inside the history (1 to the tip); exit returns to live", () => {
  let s = timelineReducer({ seq: null }, { type: "enter", seq: 99 });
  assert.is(s.seq, 99);
  s = timelineReducer(s, { type: "step", delta: -1000, last: 100 });
  assert.is(s.seq, 1);
  s = timelineReducer(s, { type: "step", delta: 1000, last: 100 });
  assert.is(s.seq, 100);
  assert.is(timelineReducer(s, { type: "exit" }).seq, null);
  assert.is(timelineReducer({ seq: null }, { type: "step", delta: 1, last: 100 }).seq, null);
});

test("app: views cycle, each view keeps its own filter", () => {
  let s = appReducer(initialAppState, { type: "cycle", delta: -1 });
  assert.is(s.view, "events");
  s = appReducer(s, { type: "filter", text: "n1" });
  s = appReducer(s, { type: "view", view: "nodes" });
  assert.equal(s.filters, { nodes: "", containers: "", events: "n1" });
});

test("columns: flexible columns take the spare width, shrinkable ones give way when narrow", () => {
  const cols = [{ title: "A", width: 4, flex: true }, { title: "B", width: 10, min: 5 }];
  assert.equal(fitColumns(cols, 20), [9, 10]);
  assert.equal(fitColumns(cols, 10), [4, 5]);
  assert.is(formatRow(["abcdef", "x"], [4, 3]), "abc… x");
});

test("format: ages, bytes and the time-travel track", () => {
  const now = Date.parse("2025-03-01T12:00:00Z");
  assert.is(age("2025-03-01T11:59:57Z", now), "3s");
  assert.is(age("2025-03-01T10:00:00Z", now), "2h0m");
  assert.is(age(null, now), "-");
  assert.is(humanBytes(3 * 1024 ** 3), "3.0 GiB");
  assert.is(track(0, 11, 12), "├●─────────┤");
  assert.is(track(10, 11, 12), "├━━━━━━━━━●┤");
});

test.run();
