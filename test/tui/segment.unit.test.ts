/**
 * A read folded as it arrives (store/segment.ts): it keeps the newest pages, folds the
 * older ones into its state, and notes the state at the sparse boundaries it passes.
 */
import "./dev-mode.js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { emptyState, foldEvents } from "@ovl/domain";
import { SegmentBuilder } from "@ovl/tui";
import { burstEvents, clusterEvents } from "../support/tui-seed.js";
import { stored } from "./fixtures.js";

const items = stored([...clusterEvents(4, 3), ...burstEvents(4, 1000)]);
const fold = (n: number) => foldEvents(items.slice(0, n).flatMap((i) => (i.ok ? [i.event] : [])));

test("a long read keeps its newest pages, and its state is the fold up to the first event kept", () => {
  const b = new SegmentBuilder({ seq: 0, state: emptyState }, 100, 3, 500);
  for (const item of items) b.add(item);
  const seg = b.finish(items.length);
  const last = items.length;
  const start = Math.floor((last - 1) / 100) * 100 - 200; // three pages: the one `last` is in and two before
  assert.is(seg.seq, start);
  assert.is(seg.items.length, last - start);
  assert.equal(seg.state, fold(start));
  assert.equal(seg.sparse!.map((c) => c.seq), [500]);
  assert.equal(seg.sparse![0]!.state, fold(500));
});

test("it notes only the newest sparse states it folded past", () => {
  const b = new SegmentBuilder({ seq: 0, state: emptyState }, 100, 3, 200, 2);
  for (const item of items) b.add(item);
  assert.equal(b.finish(items.length).sparse!.map((c) => c.seq), [600, 800]);
});

test("a read shorter than the pages kept holds it all, from a start between boundaries", () => {
  const b = new SegmentBuilder({ seq: 250, state: fold(250) }, 100, 3, 500);
  for (const item of items.slice(240, 420)) b.add(item); // those at or before the start are not taken
  const seg = b.finish(420);
  assert.equal([seg.seq, seg.items.length, seg.sparse!.length], [250, 170, 0]);
  assert.equal(seg.state, fold(250));
});

test.run();
