/** The applied sequence and apply latencies an agent puts in its heartbeat. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { AppliedTracker } from "@ovl/node-agent";

const t = suite("AppliedTracker");

t("nothing is applied before the first sync, whatever was read at start", () => {
  const a = new AppliedTracker();
  for (let s = 1; s <= 50; s++) a.seen(s);
  a.folded(51, 1000, false, 1005);
  assert.equal(a.report(), { appliedSeq: 0 });
  a.synced(a.syncStarting(), 1010);
  assert.equal(a.report(), { appliedSeq: 51, applyMs: { last: 10, p50: 10, p99: 10, count: 1 } });
});

t("an event that needs a sync waits for a sync started after it; the ones after it wait too", () => {
  const a = new AppliedTracker();
  a.synced(a.syncStarting(), 0);
  a.folded(1, 100, false, 101);
  assert.is(a.applied, 1, "nothing to do for it: applied once folded");
  const early = a.syncStarting();
  a.folded(2, 200, true, 202);
  a.folded(3, 210, false, 211);
  a.synced(early, 220);
  assert.is(a.applied, 1, "the sync had started before event 2");
  const later = a.syncStarting();
  a.folded(4, 230, true, 231);
  a.synced(later, 250);
  assert.is(a.applied, 3, "event 4 came after the sync started");
  assert.equal(a.report().applyMs, { last: 40, p50: 40, p99: 50, count: 3 });
});

t("only the last 100 latencies count", () => {
  const a = new AppliedTracker();
  a.synced(a.syncStarting(), 0);
  for (let s = 1; s <= 150; s++) a.folded(s, 0, false, s <= 50 ? 10_000 : 5);
  assert.equal(a.report(), { appliedSeq: 150, applyMs: { last: 5, p50: 5, p99: 5, count: 100 } });
});

t.run();
