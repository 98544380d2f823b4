/** Convergence: percentiles of apply latencies and the one line that says whether the cluster converged. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { applyLatencyOf, convergenceOf, lagOf, percentile } from "@ovl/domain";

const pct = suite("percentile and applyLatencyOf");
pct("nearest rank: p50 and p99 of 1..100", () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.is(percentile(values, 50), 50);
  assert.is(percentile(values, 99), 99);
  assert.is(percentile([7], 99), 7);
  assert.is(percentile([], 50), null);
});
pct("the heartbeat's summary: last, p50, p99, count; none before the first event", () => {
  assert.equal(applyLatencyOf([5, 1, 300.4, 2]), { last: 2, p50: 2, p99: 300, count: 4 });
  assert.is(applyLatencyOf([]), null);
});
pct.run();

const conv = suite("convergenceOf");
conv("every ready node at the last sequence: converged", () => {
  const c = convergenceOf([{ name: "n1", status: "ready", lag: 0 }, { name: "n2", status: "ready", lag: 0 }, { name: "n3", status: "lost", lag: 4 }], 42);
  assert.equal([c.converged, c.line], [true, "converged at seq 42 (2 ready nodes)"]);
});
conv("a node behind, or silent about it: not converged, naming it", () => {
  const c = convergenceOf([{ name: "n1", status: "ready", lag: 0 }, { name: "n2", status: "ready", lag: 5 }, { name: "n3", status: "ready", lag: null }], 42);
  assert.is(c.converged, false);
  assert.equal(c.behind.map((n) => n.name), ["n2", "n3"]);
  assert.is(c.line, "not converged at seq 42: n2 (5 events behind), n3 (lag unknown)");
});
conv("lagOf: never negative, null when unknown", () => {
  assert.equal([lagOf(10, 12), lagOf(13, 12), lagOf(undefined, 12), lagOf(null, 12)], [2, 0, null, null]);
});
conv.run();
