/**
 * The fast path's pure parts: which tc filters a node should hold, the steps from what the
 * kernel lists, and the parsing of `tc -j` output (samples taken from iproute2 6.1 on this
 * machine's kernel). The kernel side is in kernel-fastpath.int.test.ts.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  desiredDataplane,
  desiredFilters,
  fastPathFits,
  fastPathSteps,
  filterAddArgs,
  ipOfVeth,
  parseClsact,
  parseFilters,
  TC_BLOCK,
  vxPrefFor,
  type ActualFastPath,
  type DesiredNode,
} from "@ovl/node-agent";
import { CLUSTER, given, join, report, start } from "./kernel-given.js";

const state = given([
  CLUSTER,
  join("n1", "198.18.0.11"),
  join("n2", "198.18.0.12"),
  start("web", "n1"),
  start("db", "n1"),
  start("far", "n2"),
  report("n1", "web", "198.19.0.2", "running"),
]);
const d = desiredDataplane(state, "n1", { underlayIface: "lan0" })!;
const veths = d.localContainers.map((c) => ({ name: c.veth }));
const EMPTY: ActualFastPath = { clsact: {}, block: [], vx: [] };
const NOT_FRESH = { bridge: false, vxlan: false };

/** The kernel once `d`'s fast path is in place, with these veths. */
function right(node: DesiredNode, present = veths): ActualFastPath {
  const want = desiredFilters(node, new Set(present.map((v) => v.name)));
  return { clsact: { "ovl-br": TC_BLOCK, "ovl-vx": null, ...Object.fromEntries(present.map((v) => [v.name, TC_BLOCK])) }, block: want.block, vx: want.vx };
}

test("filters: the block keeps the node's own block on the bridge and sends the rest of the cluster to ovl-vx", () => {
  const want = desiredFilters(d, new Set(veths.map((v) => v.name)));
  assert.equal(want.block, [
    { pref: 1, dst: "198.19.0.0/24", to: null },
    { pref: 2, dst: "198.19.0.0/18", to: "ovl-vx" },
  ]);
  assert.equal(want.vx, [
    { pref: 2, dst: "198.19.0.2/32", to: "ovlc6130002" },
    { pref: 3, dst: "198.19.0.3/32", to: "ovlc6130003" },
  ]);
  assert.equal(desiredFilters(d, new Set(["ovlc6130003"])).vx.map((f) => f.to), ["ovlc6130003"], "only veths that exist get a redirect");
});

test("prefs: the low 16 bits of the address; blocks larger than /16 stay on the bridge", () => {
  assert.is(vxPrefFor("10.1.200.7"), 200 * 256 + 7);
  assert.is(ipOfVeth("ovlc6130102"), "198.19.1.2");
  assert.ok(fastPathFits("10.0.0.0/16"));
  assert.not.ok(fastPathFits("10.0.0.0/15"));
  const wide = { ...d, node: { ...d.node, subnet: "198.18.0.0/15" } };
  assert.equal(desiredFilters(wide, new Set(veths.map((v) => v.name))).vx, []);
});

test("steps: from nothing, the bridge's qdisc (the block) before its filters, then ovl-vx's and the veths'", () => {
  const steps = fastPathSteps(d, EMPTY, veths, NOT_FRESH);
  assert.equal(steps, [
    { op: "tc-qdisc", dev: "ovl-br", block: TC_BLOCK },
    { op: "tc-qdisc", dev: "ovl-vx", block: null },
    { op: "tc-qdisc", dev: "ovlc6130002", block: TC_BLOCK },
    { op: "tc-qdisc", dev: "ovlc6130003", block: TC_BLOCK },
    { op: "tc-filter", target: "block", pref: 1, dst: "198.19.0.0/24", to: null },
    { op: "tc-filter", target: "block", pref: 2, dst: "198.19.0.0/18", to: "ovl-vx" },
    { op: "tc-filter", target: "vx", pref: 2, dst: "198.19.0.2/32", to: "ovlc6130002" },
    { op: "tc-filter", target: "vx", pref: 3, dst: "198.19.0.3/32", to: "ovlc6130003" },
  ]);
});

test("steps: nothing when the kernel is right", () => {
  assert.equal(fastPathSteps(d, right(d), veths, NOT_FRESH), []);
});

test("steps: a redirect to a dead veth is replaced, a stray pref removed, a duplicate in a pref replaced", () => {
  const a = right(d);
  const drifted: ActualFastPath = {
    ...a,
    vx: [{ ...a.vx[0]!, to: "*" }, a.vx[1]!, a.vx[1]!, { pref: 9, dst: "198.19.0.9/32", to: "ovlc6130009" }],
  };
  assert.equal(fastPathSteps(d, drifted, veths, NOT_FRESH), [
    { op: "tc-filter", target: "vx", pref: 2, dst: "198.19.0.2/32", to: "ovlc6130002" },
    { op: "tc-filter", target: "vx", pref: 3, dst: "198.19.0.3/32", to: "ovlc6130003" },
    { op: "tc-filter-del", target: "vx", pref: 9 },
  ]);
});

test("steps: a container whose veth is gone loses its filter; a new ovl-vx gets its qdisc and every redirect again", () => {
  const a = right(d);
  assert.equal(fastPathSteps(d, a, veths.slice(1), NOT_FRESH), [{ op: "tc-filter-del", target: "vx", pref: 2 }]);
  const steps = fastPathSteps(d, a, veths, { bridge: false, vxlan: true });
  assert.equal(steps.map((s) => (s.op === "tc-qdisc" ? `${s.op} ${s.dev}` : s.op === "tc-filter" || s.op === "tc-filter-del" ? `${s.op} ${s.target} ${s.pref}` : s.op)), [
    "tc-qdisc ovl-vx",
    "tc-filter block 2",
    "tc-filter vx 2",
    "tc-filter vx 3",
  ]);
});

test("steps: a veth in someone else's clsact is moved to ovl's block", () => {
  const a = right(d);
  const steps = fastPathSteps(d, { ...a, clsact: { ...a.clsact, ovlc6130002: null } }, veths, NOT_FRESH);
  assert.equal(steps, [{ op: "tc-qdisc", dev: "ovlc6130002", block: TC_BLOCK }]);
});

test("steps: switched off (ovl agent --no-fast-path), ovl's filters are removed and no qdisc is added", () => {
  const off = desiredDataplane(state, "n1", { underlayIface: "lan0", fastPath: false })!;
  assert.is(off.fastPath, false);
  assert.equal(fastPathSteps(off, right(d), veths, NOT_FRESH), [
    { op: "tc-filter-del", target: "block", pref: 1 },
    { op: "tc-filter-del", target: "block", pref: 2 },
    { op: "tc-filter-del", target: "vx", pref: 2 },
    { op: "tc-filter-del", target: "vx", pref: 3 },
  ]);
  assert.equal(fastPathSteps(off, EMPTY, veths, NOT_FRESH), []);
});

test("parse: a u32 listing with a redirect, a dead redirect and a filter without action", () => {
  const json = JSON.stringify([
    { protocol: "ip", pref: 1, kind: "u32", chain: 0 },
    { protocol: "ip", pref: 1, kind: "u32", chain: 0, options: { fh: "800:", ht_divisor: 1 } },
    { protocol: "ip", pref: 1, kind: "u32", chain: 0, options: { fh: "800::800", order: 2048, key_ht: "800", bkt: "0", flowid: ":1", not_in_hw: true, match: { value: "c6130000", mask: "ffffff00", offmask: "", off: 16 } } },
    { protocol: "ip", pref: 2, kind: "u32", chain: 0, options: { fh: "801::800", match: { value: "c6130000", mask: "ffffc000", offmask: "", off: 16 }, actions: [{ order: 1, kind: "mirred", mirred_action: "redirect", direction: "egress", to_dev: "ovl-vx" }] } },
    { protocol: "ip", pref: 5, kind: "u32", chain: 0, options: { fh: "800::800", match: { value: "a000005", mask: "ffffffff", offmask: "", off: 16 }, actions: [{ order: 1, kind: "mirred", to_dev: "*" }] } },
    { protocol: "ip", pref: 6, kind: "u32", chain: 0, options: { fh: "800::800", match: { value: "a58", mask: "ffff", offmask: "", off: -16 } } },
  ]);
  assert.equal(parseFilters(json), [
    { pref: 1, dst: "198.19.0.0/24", to: null },
    { pref: 2, dst: "198.19.0.0/18", to: "ovl-vx" },
    { pref: 5, dst: "10.0.0.5/32", to: "*" },
    { pref: 6, dst: "?", to: null },
  ]);
  assert.equal(parseFilters(""), []);
});

test("parse: clsact qdiscs of ovl's devices only, with their ingress block", () => {
  const json = JSON.stringify([
    { kind: "noqueue", handle: "0:", dev: "ovl-vx", root: true },
    { kind: "clsact", handle: "ffff:", dev: "ovl-vx", parent: "ffff:fff1" },
    { kind: "clsact", handle: "ffff:", dev: "ovlc6130002", parent: "ffff:fff1", ingress_block: TC_BLOCK },
    { kind: "clsact", handle: "ffff:", dev: "ovl-br", parent: "ffff:fff1", ingress_block: TC_BLOCK },
    { kind: "clsact", handle: "ffff:", dev: "eth0", parent: "ffff:fff1" },
  ]);
  assert.equal(parseClsact(json), { "ovl-vx": null, ovlc6130002: TC_BLOCK, "ovl-br": TC_BLOCK });
});

test("args: a redirect and a filter that stays on the normal path", () => {
  assert.equal(filterAddArgs("vx", { pref: 2, dst: "198.19.0.2/32", to: "ovlc6130002" }).join(" "), "filter add dev ovl-vx ingress pref 2 protocol ip u32 match ip dst 198.19.0.2/32 action mirred egress redirect dev ovlc6130002");
  assert.equal(filterAddArgs("block", { pref: 1, dst: "198.19.0.0/24", to: null }).join(" "), `filter add block ${TC_BLOCK} pref 1 protocol ip u32 match ip dst 198.19.0.0/24 flowid :1`);
});

test.run();
