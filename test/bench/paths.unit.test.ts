import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ClusterState, NodeRecord } from "@ovl/domain";
import { ovlVariant, peersByPath } from "../../bench/net/paths.js";
import { makeRow, variant } from "../../bench/lib/rows.js";
import { withoutNotrack } from "../../bench/net/rtt-ab.js";

const node = (name: string, underlayIp: string, status: NodeRecord["status"] = "ready"): NodeRecord => ({
  name, underlayIp, lanPrefix: 24, agentVersion: "t", status, subnet: "198.19.1.0/24", gateway: "198.19.1.1", since: "", containers: {},
});
const cluster = (mode: "vxlan" | "direct" | "auto" | undefined, nodes: NodeRecord[]): ClusterState => ({
  cluster: { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 1, vxlanPort: 4789, mtu: 1450, ...(mode ? { mode } : {}) } as ClusterState["cluster"],
  nodes: Object.fromEntries(nodes.map((n) => [n.name, n])),
});

test("peersByPath: an auto lab with its last node behind the router offers both paths from n1", () => {
  const s = cluster("auto", [node("n1", "198.18.0.11"), node("n2", "198.18.0.12"), node("n3", "198.18.1.13")]);
  assert.equal(peersByPath(s, "n1", ["n1", "n2", "n3"]), { direct: "n2", vxlan: "n3" });
  assert.equal(peersByPath(cluster(undefined, Object.values(s.nodes)), "n1", ["n1", "n2", "n3"]), { vxlan: "n2" }, "no mode recorded: vxlan");
  assert.equal(peersByPath(cluster("direct", Object.values(s.nodes)), "n1", ["n1", "n2", "n3"]), { direct: "n2" });
  const lost = cluster("auto", [node("n1", "198.18.0.11"), node("n2", "198.18.0.12", "lost"), node("n3", "198.18.1.13")]);
  assert.equal(peersByPath(lost, "n1", ["n1", "n2", "n3"]), { vxlan: "n3" }, "a node that is not ready is skipped");
  assert.equal(peersByPath(s, "n9", ["n1"]), {});
});

test("ovlVariant: the wire rows' names of the two paths", () => {
  assert.is(ovlVariant("direct"), "ovl direct");
  assert.is(ovlVariant("vxlan"), "ovl VXLAN");
});

test("makeRow with two ovl paths: each against the others, the pair of them once", () => {
  const row = makeRow({ id: "x", title: "x", unit: "ms", higherIsBetter: false, ratiosOf: ["ovl direct", "ovl VXLAN"], paired: true,
    variants: [variant("LAN", [1, 1]), variant("ovl direct", [1, 1]), variant("ovl VXLAN", [2, 2]), variant("Swarm", [2, 2])] });
  assert.equal(Object.keys(row.ratios), ["ovl direct/LAN", "ovl direct/ovl VXLAN", "ovl direct/Swarm", "ovl VXLAN/LAN", "ovl VXLAN/Swarm"]);
  assert.is(row.paired?.["ovl direct/ovl VXLAN"]?.median, 0.5);
  assert.is(row.paired?.["ovl VXLAN/Swarm"]?.verdict, "no difference shown");
});

test("rtt A/B: ovl's table without its notrack rules keeps every other line", () => {
  const t = "table ip ovl {\n\tchain raw_prerouting {\n\t\ttype filter hook prerouting priority raw; policy accept;\n\t\tip saddr 198.19.0.0/18 ip daddr 198.19.0.0/18 notrack\n\t}\n}";
  assert.is(withoutNotrack(t), "table ip ovl {\n\tchain raw_prerouting {\n\t\ttype filter hook prerouting priority raw; policy accept;\n\t}\n}");
});

test.run();
