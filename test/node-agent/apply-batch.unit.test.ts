/**
 * Steps batched into one process per tool: the lines each step becomes (the commands
 * applyStep runs for it), and when a -force batch that exited non-zero still did all it had
 * to (only removals of things already gone failed). The stderr samples are iproute2 6.1's.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { batchLines, batchToolOf, entriesByTool, onlyGoneFailed, type Step } from "@ovl/node-agent";

const route: Step = { op: "route-replace", dst: "198.19.2.0/24", via: "198.18.0.12", dev: "lan0", src: "198.19.1.1" };
const fdbDel: Step = { op: "fdb-del", dev: "ovl-vx", mac: "0a:58:c6:13:02:05", dst: "198.18.0.12" };
const filter: Step = { op: "tc-filter", target: "vx", pref: 261, dst: "198.19.1.5/32", to: "ovlc6130105" };

test("each tool's steps, and the ones that run on their own", () => {
  assert.is(batchToolOf(route), "ip");
  assert.is(batchToolOf({ op: "neigh-del", ip: "198.19.2.5", dev: "ovl-vx" }), "ip");
  assert.is(batchToolOf(fdbDel), "bridge");
  assert.is(batchToolOf(filter), "tc");
  assert.is(batchToolOf({ op: "nft-load", script: "" }), null);
});

test("a step's lines are the commands applyStep runs for it", () => {
  assert.equal(batchLines(route).map((l) => l.text), ["route replace 198.19.2.0/24 via 198.18.0.12 dev lan0 src 198.19.1.1 proto 111"]);
  assert.equal(batchLines(fdbDel), [
    { text: "fdb del 0a:58:c6:13:02:05 dev ovl-vx dst 198.18.0.12 self", removal: true },
    { text: "fdb del 0a:58:c6:13:02:05 dev ovl-vx master", removal: true },
  ]);
  assert.equal(batchLines(filter).map((l) => [l.removal, l.text.split(" ").slice(0, 2).join(" ")]), [[true, "filter del"], [false, "filter add"]]);
});

const lines = [...batchLines(filter), ...batchLines(fdbDel)];

test("a -force batch whose only failures are removals of what was already gone did everything", () => {
  const tc = "Error: Filter with specified priority/protocol not found.\nWe have an error talking to the kernel\nCommand failed /s/ovl.batch:1\n";
  assert.ok(onlyGoneFailed("tc", tc, batchLines(filter)));
  const bridge = "RTNETLINK answers: No such file or directory\nCommand failed /s/ovl.batch:4\n";
  assert.ok(onlyGoneFailed("bridge", bridge, lines));
});

test("a failed replace, a removal refused for another reason, or a failure without its line is not done", () => {
  assert.not.ok(onlyGoneFailed("tc", "Error: Specified qdisc kind is unknown.\nCommand failed /s/ovl.batch:2\n", lines), "the add failed");
  assert.not.ok(onlyGoneFailed("bridge", "RTNETLINK answers: Operation not permitted\nCommand failed /s/ovl.batch:4\n", lines));
  assert.not.ok(onlyGoneFailed("ip", "RTNETLINK answers: No such file or directory\n", lines), "ip's neighbour commands exit without naming the line");
});

test("a run of neighbour and FDB entries over several devices goes ip's first, then bridge's; a route stays after them", () => {
  const n1: Step = { op: "neigh-replace", ip: "198.19.2.5", mac: "0a:58:c6:13:02:05", dev: "ovl-vx" };
  const f1: Step = { op: "fdb-replace", mac: "0a:58:c6:13:02:05", dst: "198.18.0.12", dev: "ovl-vx" };
  const n2: Step = { op: "neigh-replace", ip: "10.210.0.5", mac: "0a:58:0a:d2:00:05", dev: "ovlvx3" };
  const f2: Step = { op: "fdb-replace", mac: "0a:58:0a:d2:00:05", dst: "198.18.0.12", dev: "ovlvx3" };
  const nft: Step = { op: "nft-load", script: "" };
  assert.equal(entriesByTool([nft, n1, f1, n2, f2, route, f1]), [nft, n1, n2, f1, f2, route, f1]);
  assert.equal(entriesByTool([]), []);
});

test.run();
