/**
 * Who may send VXLAN packets to a node: the set `members` in ovl's nft table, from the fold,
 * and how the table is compared with nft's listing of it (wrapped elements, counted drops).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { desiredDataplane, firewallKey, plan, renderNftTable, type ActualState, type DesiredNode } from "@ovl/node-agent";
import { foreignDrops } from "@ovl/node-agent";
import { CLUSTER, given, join } from "./kernel-given.js";

const three = given([CLUSTER, join("n1", "198.18.0.11"), join("n2", "198.18.0.12"), join("n3", "198.18.0.13")]);
const desired = (state = three, node = "n1"): DesiredNode => desiredDataplane(state, node, { underlayIface: "lan0" })!;
const lose = (node: string) => ({ type: "LoseNode", data: { node, lastSeen: null } }) as const;

test("members: every other node that has not left; this node is not one", () => {
  assert.equal(desired().members, ["198.18.0.12", "198.18.0.13"]);
  assert.equal(desired(three, "n2").members, ["198.18.0.11", "198.18.0.13"]);
});

test("members: a lost node stays one, so that it is accepted the moment it comes back", () => {
  const lost = given([lose("n3")], three);
  assert.is(lost.nodes.n3!.status, "lost");
  assert.equal(desired(lost).members, ["198.18.0.12", "198.18.0.13"]);
  assert.is(firewallKey(desired(lost)), firewallKey(desired()), "losing a node does not reload the table");
  assert.equal(desired(given([join("n3", "198.18.0.13")], lost)).members, ["198.18.0.12", "198.18.0.13"]);
});

test("members: a leaving node stays one until it has left; a released one is gone", () => {
  const leaving = given([{ type: "LeaveNode", data: { node: "n2" } }], three);
  assert.is(leaving.nodes.n2!.status, "leaving");
  assert.equal(desired(leaving).members, ["198.18.0.12", "198.18.0.13"]);
  const left = given([{ type: "CompleteLeave", data: { node: "n2" } }], leaving);
  assert.equal(desired(left).members, ["198.18.0.13"]);
  assert.is.not(firewallKey(desired(left)), firewallKey(desired()), "a node leaving makes an event's reconcile read and reload the firewall");
  const released = given([lose("n3"), { type: "ReleaseNode", data: { node: "n3" } }], three);
  assert.equal(desired(released).members, ["198.18.0.12"]);
});

test("members: a node joining is one from its join on, at the address it joined with", () => {
  const more = given([join("n4", "198.18.1.4"), join("n5", "198.18.0.5")], three);
  assert.equal(desired(more).members, ["198.18.0.5", "198.18.0.12", "198.18.0.13", "198.18.1.4"], "sorted as addresses, not as text");
  assert.is.not(firewallKey(desired(more)), firewallKey(desired()));
  const left = given([{ type: "LeaveNode", data: { node: "n2" } }, { type: "CompleteLeave", data: { node: "n2" } }], three);
  assert.equal(desired(given([join("n2", "198.18.0.22")], left)).members, ["198.18.0.13", "198.18.0.22"], "rejoined at a new address");
});

test("nft: a node alone has an empty set, and the rule drops every VXLAN packet", () => {
  const alone = desired(given([CLUSTER, join("n1", "198.18.0.11")]));
  assert.equal(alone.members, []);
  const table = renderNftTable(alone);
  assert.match(table, "\tset members {\n\t\ttype ipv4_addr\n\t}\n");
  assert.match(table, '\t\tudp dport 4789 ip saddr != @members counter name "vxlan_foreign" drop\n');
});

test("nft: the rule follows the cluster's VXLAN port", () => {
  const other = given([{ ...CLUSTER, data: { ...CLUSTER.data, vxlanPort: 8472 } } as typeof CLUSTER, join("n1", "198.18.0.11")]);
  assert.match(renderNftTable(desired(other)), "udp dport 8472 ip saddr != @members");
});

/** nft's own listing of a set of many elements: sorted, two a line, and a counter that has counted. */
function listed(d: DesiredNode, packets: number): string {
  return renderNftTable(d)
    .replace(/elements = \{ ([^}]*) \}/, (_, l: string) => `elements = { ${l.split(", ").reduce((s, ip, i) => s + (i === 0 ? "" : i % 2 ? ", " : ",\n\t\t\t     ") + ip, "")} }`)
    .replace("packets 0 bytes 0", `packets ${packets} bytes ${packets * 92}`);
}

test("plan: neither the wrapping of the elements nor counted drops reload the table; another member does", () => {
  const many = given([4, 5, 6, 7, 8].map((i) => join(`m${i}`, `198.18.0.${i}`)), three);
  const d = desired(many);
  const actual: ActualState = { bridge: null, vxlan: null, veths: [], neigh: [], fdb: [], nft: listed(d, 17), dockerUser: null, forwardJump: false, sysctls: {} };
  assert.match(actual.nft!, "198.18.0.4, 198.18.0.5,\n\t\t\t     198.18.0.6, 198.18.0.7,\n");
  const ops = (a: string) => plan(d, { ...actual, nft: a }).filter((s) => s.op === "nft-load").length;
  assert.is(ops(actual.nft!), 0);
  assert.is(ops(listed(desired(three), 0)), 1, "the kernel still holds the old members");
  assert.is(ops(actual.nft!.replace("198.18.0.13", "198.18.0.14")), 1);
});

test("foreignDrops reads the counter from a listing", () => {
  assert.is(foreignDrops(listed(desired(), 17)), 17);
  assert.is(foreignDrops(renderNftTable(desired())), 0);
  assert.is(foreignDrops("table ip ovl {\n}"), null);
  assert.is(foreignDrops(null), null);
});

test.run();
