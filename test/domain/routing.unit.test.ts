import { test } from "uvu";
import * as assert from "uvu/assert";
import { OvlError, clusterMtuFor, decide, emptyState, evolve, lanSubnetOf, nodeRows, pathSummary, peerPath, routingModeOf, sameLan, type ClusterState, type OvlCommand } from "@ovl/domain";

const a = { underlayIp: "198.18.0.11", lanPrefix: 24 };
const b = { underlayIp: "198.18.0.12", lanPrefix: 24 };
const far = { underlayIp: "198.18.1.21", lanPrefix: 24 };

test("a cluster without a recorded mode is vxlan", () => {
  assert.is(routingModeOf({}), "vxlan");
  assert.is(routingModeOf(null), "vxlan");
  assert.is(routingModeOf({ mode: "auto" }), "auto");
});

test("the same LAN: each address in the other's subnet; an unknown prefix is never the same LAN", () => {
  assert.is(lanSubnetOf(a), "198.18.0.0/24");
  assert.ok(sameLan(a, b));
  assert.not.ok(sameLan(a, far));
  assert.ok(sameLan(a, { underlayIp: "198.18.1.21", lanPrefix: 16 }) === false, "a /24 does not reach 198.18.1.21 on-link");
  assert.ok(sameLan({ underlayIp: "198.18.0.11", lanPrefix: 16 }, { underlayIp: "198.18.1.21", lanPrefix: 16 }));
  assert.not.ok(sameLan(a, { underlayIp: "198.18.0.12" }));
});

test("the path per peer: vxlan always, direct always, auto by the LAN subnet", () => {
  assert.is(peerPath("vxlan", a, b), "vxlan");
  assert.is(peerPath("direct", a, b), "direct");
  assert.is(peerPath("auto", a, b), "direct");
  assert.is(peerPath("auto", a, far), "vxlan");
  assert.is(peerPath("auto", a, { underlayIp: "198.18.0.12" }), "vxlan");
});

test("the paths a node shows: one word when all peers share one, the VXLAN ones named in a mix", () => {
  const n = (name: string, ip: string) => ({ name, underlayIp: ip, lanPrefix: 24 });
  const self = n("n1", "198.18.0.11");
  assert.is(pathSummary("auto", self, [self]), "auto");
  assert.is(pathSummary("auto", self, [self, n("n2", "198.18.0.12")]), "direct");
  assert.is(pathSummary("auto", self, [n("n3", "198.18.1.3")]), "vxlan");
  assert.is(pathSummary("auto", self, [n("n2", "198.18.0.12"), n("n4", "198.18.1.4"), n("n3", "198.18.1.3")]), "direct, vxlan to n3,n4");
  assert.is(pathSummary("auto", self, [n("n2", "198.18.0.12"), ...[3, 4, 5, 6].map((i) => n(`n${i}`, `198.18.1.${i}`))]), "direct, vxlan to 4 nodes");
  assert.is(pathSummary("vxlan", self, [n("n2", "198.18.0.12")]), "vxlan");
});

test("the MTU rule: a direct cluster takes the whole LAN MTU, vxlan and auto 50 bytes less", () => {
  assert.is(clusterMtuFor(1500), 1450);
  assert.is(clusterMtuFor(1500, "vxlan"), 1450);
  assert.is(clusterMtuFor(1500, "auto"), 1450);
  assert.is(clusterMtuFor(1500, "direct"), 1500);
  assert.is(clusterMtuFor(9000, "direct"), 9000);
});

let n = 0;
function run(state: ClusterState, c: Omit<OvlCommand, "metadata">): ClusterState {
  for (const e of decide({ ...c, metadata: { now: "2026-01-01T00:00:00Z", requestId: `r${++n}` } } as OvlCommand, state)) state = evolve(state, e, { time: "2026-01-01T00:00:00Z" });
  return state;
}
const create = (mode: "vxlan" | "direct" | "auto", mtu: number) => run(emptyState, { type: "CreateCluster", data: { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 1, vxlanPort: 4789, mtu, mode } } as never);
const joinCmd = (node: string, underlayIp: string, lanMtu: number, lanPrefix?: number) =>
  ({ type: "JoinNode", data: { node, underlayIp, agentVersion: "t", lanMtu, ...(lanPrefix !== undefined ? { lanPrefix } : {}) } }) as never;
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    return err instanceof OvlError ? err.code : "not an OvlError";
  }
  return undefined;
};

test("the mode is recorded at creation, the LAN prefix at join; ovl nodes shows the path", () => {
  const s = run(run(create("direct", 1500), joinCmd("n1", "198.18.0.11", 1500, 24)), joinCmd("n2", "198.18.0.12", 1500, 24));
  assert.is(s.cluster?.mode, "direct");
  assert.is(s.nodes.n1?.lanPrefix, 24);
  assert.equal(nodeRows(s, new Map()).map((r) => [r.name, r.path]), [["n1", "direct"], ["n2", "direct"]]);
});

test("the MTU rule is enforced at join: direct needs the cluster MTU, auto 50 bytes more", () => {
  assert.is(codeOf(() => run(create("direct", 1500), joinCmd("n1", "198.18.0.11", 1500, 24))), undefined);
  assert.is(codeOf(() => run(create("auto", 1500), joinCmd("n1", "198.18.0.11", 1500, 24))), "MTU_TOO_SMALL");
  assert.is(codeOf(() => run(create("direct", 1500), joinCmd("n1", "198.18.0.11", 1400, 24))), "MTU_TOO_SMALL");
});

test("a direct cluster refuses a node off the LAN subnet of the others, or one that does not tell its subnet", () => {
  const one = run(create("direct", 1500), joinCmd("n1", "198.18.0.11", 1500, 24));
  assert.is(codeOf(() => run(one, joinCmd("n2", "198.18.1.21", 1500, 24))), "NOT_ON_LAN");
  assert.is(codeOf(() => run(one, joinCmd("n2", "198.18.0.12", 1500))), "NOT_ON_LAN");
  assert.is(codeOf(() => run(one, joinCmd("n2", "198.18.0.12", 1500, 24))), undefined);
  const auto = run(create("auto", 1450), joinCmd("n1", "198.18.0.11", 1500, 24));
  assert.is(codeOf(() => run(auto, joinCmd("n2", "198.18.1.21", 1500, 24))), undefined, "auto takes VXLAN to it");
});

test("asking for vxlan again of a cluster created without a mode is no mismatch; another mode is", () => {
  const old = run(emptyState, { type: "CreateCluster", data: { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 1, vxlanPort: 4789, mtu: 1450 } } as never);
  assert.is(old.cluster?.mode, undefined);
  assert.is(codeOf(() => run(old, { type: "CreateCluster", data: { ...old.cluster!, mode: "vxlan" } } as never)), undefined);
  assert.is(codeOf(() => run(old, { type: "CreateCluster", data: { ...old.cluster!, mode: "direct" } } as never)), "CLUSTER_MISMATCH");
});

test.run();
