import { test } from "uvu";
import * as assert from "uvu/assert";
import { bootstrapMedianInterval, describePaired, median, pairedRatio, perRoundRatios, rotation, verdictOf } from "../../bench/lib/paired.js";
import { interleave } from "../../bench/lib/stats.js";
import { busyWarning, parseProcStat } from "../../bench/lib/busy.js";
import { offloadsOf } from "../../bench/lib/rig.js";
import { wrap } from "../../bench/lib/chart.js";
import { makeRow, variant } from "../../bench/lib/rows.js";

test("rotation: each round starts one variant later, and every variant leads equally often", () => {
  const v = ["ovl", "LAN", "Swarm"];
  assert.equal(rotation(v, 0), ["ovl", "LAN", "Swarm"]);
  assert.equal(rotation(v, 1), ["LAN", "Swarm", "ovl"]);
  assert.equal(rotation(v, 2), ["Swarm", "ovl", "LAN"]);
  assert.equal(rotation(v, 3), rotation(v, 0));
  const leads = Array.from({ length: 9 }, (_, r) => rotation(v, r)[0]);
  for (const name of v) assert.is(leads.filter((x) => x === name).length, 3);
});

test("interleave: runs in rotating order and keeps the samples aligned by round, NaN for a failure", async () => {
  const order: string[] = [];
  const errors: string[] = [];
  const out = await interleave(3, ["a", "b"] as const, async (v, r) => {
    order.push(`${v}${r}`);
    if (v === "b" && r === 1) throw new Error("boom");
    return r + (v === "a" ? 10 : 20);
  }, (v, e) => errors.push(`${v}: ${e.message}`));
  assert.equal(order, ["a0", "b0", "b1", "a1", "a2", "b2"]);
  assert.equal(out.a, [10, 11, 12]);
  assert.is(out.b.length, 3);
  assert.ok(Number.isNaN(out.b[1]));
  assert.equal(errors, ["b: boom"]);
});

test("pairing: a round where either side failed is left out, the others keep their pairs", () => {
  assert.equal(perRoundRatios([10, 20, NaN, 40], [5, NaN, 10, 20]), [2, 2]);
  assert.equal(perRoundRatios([1, 2, 3], [1, 1]), [1, 2]);
});

test("bootstrap of the median: the exact answer for three rounds", () => {
  // Resampling [1, 2, 3] three times with replacement: P(median = 1) = P(median = 3) = 7/27
  // (over 2.5%), so the 95% interval is exactly [1, 3].
  assert.equal(bootstrapMedianInterval([2, 3, 1]), { lo: 1, hi: 3 });
});

test("bootstrap of the median: constant rounds give a point, the same seed the same interval", () => {
  assert.equal(bootstrapMedianInterval([1.2, 1.2, 1.2, 1.2]), { lo: 1.2, hi: 1.2 });
  const xs = [0.93, 1.04, 1.17, 1.01, 0.98, 1.09, 1.05, 1.12];
  assert.equal(bootstrapMedianInterval(xs), bootstrapMedianInterval(xs));
  const { lo, hi } = bootstrapMedianInterval(xs);
  assert.ok(lo >= Math.min(...xs) && hi <= Math.max(...xs) && lo <= median(xs) && median(xs) <= hi);
});

test("verdict: an interval that contains 1 shows no difference, whatever the median", () => {
  assert.is(verdictOf({ lo: 0.97, hi: 1.12 }, true), "no difference shown");
  assert.is(verdictOf({ lo: 1.02, hi: 1.12 }, true), "better");
  assert.is(verdictOf({ lo: 1.02, hi: 1.12 }, false), "worse");
  assert.is(verdictOf({ lo: 0.8, hi: 0.9 }, false), "better");
  assert.is(verdictOf({ lo: NaN, hi: NaN }, true), "no difference shown");
});

test("paired ratio of a throughput row read as a claim", () => {
  const ovl = [14, 15, 13, 16, 14, 15, 13, 16];
  const swarm = [10, 11, 10, 12, 10, 11, 10, 12];
  const p = pairedRatio(ovl, swarm, true);
  assert.is(p.rounds, 8);
  assert.is(p.verdict, "better");
  assert.ok(p.lo > 1);
  assert.match(describePaired(p), /^1\.\d\dx \[1\.\d\d–1\.\d\d\], better$/);
  const noisy = pairedRatio([10, 12, 9, 11, 10, 12, 9, 11], [11, 10, 10, 12, 9, 11, 10, 10], true);
  assert.is(noisy.verdict, "no difference shown");
});

test("makeRow: a paired row carries per-round ratios beside the ratios of medians", () => {
  const row = makeRow({ id: "x", title: "x", unit: "ms", higherIsBetter: false, ratiosOf: "ovl", paired: true,
    variants: [variant("ovl", [1, 2, 3]), variant("Swarm", [2, 4, 6])] });
  assert.equal(row.paired?.["ovl/Swarm"]?.perRound, [0.5, 0.5, 0.5]);
  assert.is(row.paired?.["ovl/Swarm"]?.verdict, "better");
  assert.is(row.ratios["ovl/Swarm"], 0.5);
  const plain = makeRow({ id: "y", title: "y", unit: "ms", higherIsBetter: false, variants: [variant("a", [1]), variant("b", [2])] });
  assert.is(plain.paired, undefined);
});

test("busy: load over half the cores at the start, or steal during the row, flags it", () => {
  const stat = (total: number, steal: number) => `cpu  ${total - steal} 0 0 0 0 0 0 ${steal} 0 0\ncpu0 1 2 3\n`;
  assert.equal(parseProcStat(stat(1000, 10)), { total: 1000, steal: 10 });
  const quiet = { load1: 0.3, cores: 2, cpu: parseProcStat(stat(1000, 10)) };
  assert.is(busyWarning(quiet, parseProcStat(stat(2000, 15))), null);
  assert.match(busyWarning({ ...quiet, load1: 1.5 }, parseProcStat(stat(2000, 15))) ?? "", /load average 1\.50 on 2 cores/);
  assert.match(busyWarning(quiet, parseProcStat(stat(2000, 60))) ?? "", /steal 5\.0%/);
});

test("rig: the offloads named from ethtool -k", () => {
  const k = "Features for eth0:\nrx-checksumming: on\ntx-checksumming: on\nscatter-gather: on\ntcp-segmentation-offload: on\ngeneric-receive-offload: off\nrx-gro-list: off [fixed]\nhighdma: on\n";
  assert.is(offloadsOf(k), "rx-checksumming: on, tx-checksumming: on, scatter-gather: on, tcp-segmentation-offload: on, generic-receive-offload: off, rx-gro-list: off (fixed)");
});

test("chart titles wrap to the picture's width instead of being cut", () => {
  const title = "TCP request/response round trip (median of 2000 1-byte exchanges per sample) [ms] (lower is better)";
  const lines = wrap(title, 300);
  assert.ok(lines.length > 1);
  assert.is(lines.join(" "), title);
  for (const l of lines) assert.ok(l.length * 7.4 <= 300 || !l.includes(" "));
});

test.run();
