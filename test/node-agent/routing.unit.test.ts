/** The dataplane of the direct and auto routing modes, pure: who gets a route, what the plan does with it. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { blockPref, desiredDataplane, desiredFilters, dockerUserRules, fastPathSteps, plan, type ActualState, type DesiredNode } from "@ovl/node-agent";
import { given, start } from "./kernel-given.js";

type Mode = "vxlan" | "direct" | "auto";
const cluster = (mode: Mode, mtu: number) => ({ type: "CreateCluster", data: { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 42, vxlanPort: 4789, mtu, mode } }) as const;
const join = (node: string, underlayIp: string, lanPrefix = 24) => ({ type: "JoinNode", data: { node, underlayIp, agentVersion: "t", lanPrefix } }) as const;

function lab(mode: Mode, far = false) {
  return given([
    cluster(mode, mode === "direct" ? 1500 : 1450),
    join("n1", "198.18.0.11"),
    join("n2", "198.18.0.12"),
    ...(far ? [join("n3", "198.18.1.13")] : []),
    start("db", "n2"),
  ] as never);
}

test("direct: each peer's block is routed via its LAN address from the node's gateway; no VXLAN entries", () => {
  const d = desiredDataplane(lab("direct"), "n1", { underlayIface: "lan0" })!;
  assert.equal(d.routes, [{ dst: "198.19.1.0/24", via: "198.18.0.12", dev: "lan0", src: "198.19.0.1" }]);
  assert.equal(d.remotes, []);
  assert.is(d.bridge.proxyArp, true);
  assert.is(d.bridge.mtu, 1500);
  assert.is(d.vxlan.mtu, 1450, "the idle VXLAN device keeps to what the LAN can carry");
});

test("auto: direct to the peer on the LAN subnet, VXLAN to the one beyond it", () => {
  const d = desiredDataplane(lab("auto", true), "n1", { underlayIface: "lan0" })!;
  assert.equal(d.routes.map((r) => r.dst), ["198.19.1.0/24"]);
  assert.equal([...new Set(d.remotes.map((r) => r.node))], ["n3"]);
  assert.is(d.bridge.proxyArp, true);
});

test("vxlan: no routes, no proxy ARP (as before modes)", () => {
  const d = desiredDataplane(lab("vxlan"), "n1", { underlayIface: "lan0" })!;
  assert.equal(d.routes, []);
  assert.is(d.bridge.proxyArp, false);
  assert.ok(d.remotes.length > 0);
});

test("a lost peer loses its route, as it loses its VXLAN entries", () => {
  const s = given([{ type: "LoseNode", data: { node: "n2", lastSeen: null } }] as never, lab("direct"));
  assert.equal(desiredDataplane(s, "n1", { underlayIface: "lan0" })!.routes, []);
});

function converged(d: DesiredNode): ActualState {
  const direct = d.cluster.mode === "vxlan" ? undefined : { cidr: d.cluster.cidr, lanIface: d.node.underlayIface };
  return {
    bridge: { kind: "bridge", mac: d.bridge.mac, mtu: d.bridge.mtu, up: true, nfCalls: [0, 0, 0], addrs: [d.bridge.address] },
    vxlan: { kind: "vxlan", vni: d.vxlan.vni, port: d.vxlan.port, local: d.vxlan.local, dev: d.vxlan.dev, learning: false, proxy: true, mtu: d.vxlan.mtu, up: true, master: d.bridge.name },
    veths: [],
    neigh: d.remotes.map((r) => ({ ip: r.ip, mac: r.mac })),
    fdb: d.remotes.map((r) => ({ mac: r.mac, dst: r.underlayIp })),
    nft: null,
    dockerUser: [...dockerUserRules(d.bridge.name, direct).map((r) => `-A DOCKER-USER ${r.join(" ")}`), "-A DOCKER-USER -j RETURN"],
    forwardJump: true,
    sysctls: { "net.ipv4.ip_forward": "1", "net.ipv4.conf.ovl-br.proxy_arp": "1" },
    routes: d.routes,
  };
}

test("plan: routes added, fixed and removed; nothing when right; all again on a new bridge", () => {
  const d = desiredDataplane(lab("direct"), "n1", { underlayIface: "lan0" })!;
  const ok = converged(d);
  const ops = (a: ActualState) => plan(d, a).filter((s) => s.op.startsWith("route") || s.op === "proxy-arp");
  assert.equal(ops(ok), []);
  assert.equal(ops({ ...ok, routes: [] }), [{ op: "route-replace", ...d.routes[0]! }]);
  assert.equal(ops({ ...ok, routes: [{ ...d.routes[0]!, via: "198.18.0.99" }] }), [{ op: "route-replace", ...d.routes[0]! }]);
  assert.equal(ops({ ...ok, routes: [...d.routes, { dst: "198.19.7.0/24", via: "198.18.0.17", dev: "lan0", src: "198.19.0.1" }] }), [{ op: "route-del", dst: "198.19.7.0/24" }]);
  assert.equal(ops({ ...ok, routes: undefined }), [], "routes not read: none planned");
  assert.equal(ops({ ...ok, sysctls: { ...ok.sysctls, "net.ipv4.conf.ovl-br.proxy_arp": "0" } }), [{ op: "proxy-arp", dev: "ovl-br" }]);
  const fresh = ops({ ...ok, bridge: null });
  assert.equal(fresh, [{ op: "proxy-arp", dev: "ovl-br" }, { op: "route-replace", ...d.routes[0]! }]);
});

test("plan: the routed accept rule in DOCKER-USER only outside vxlan mode", () => {
  const rule = ["-s", "198.19.0.0/18", "-d", "198.19.0.0/18", "-i", "lan0", "-o", "ovl-br", "-m", "comment", "--comment", "ovl", "-j", "ACCEPT"];
  const direct = desiredDataplane(lab("direct"), "n1", { underlayIface: "lan0" })!;
  const vx = desiredDataplane(lab("vxlan"), "n1", { underlayIface: "lan0" })!;
  const inserts = (d: DesiredNode) => plan(d, { ...converged(d), dockerUser: [] }).filter((s) => s.op === "iptables-insert").map((s) => (s as { readonly rule: readonly string[] }).rule);
  assert.ok(inserts(direct).some((r) => r.join(" ") === rule.join(" ")));
  assert.not.ok(inserts(vx).some((r) => r.includes("-s")));
});

test("fast path: the cluster-wide redirect to ovl-vx only in vxlan mode (a direct peer's packets must reach the bridge)", () => {
  const blockFilters = (mode: Mode) => {
    const d = desiredDataplane(lab(mode), "n1", { underlayIface: "lan0" })!;
    return fastPathSteps(d, { clsact: {}, block: [], vx: [] }, [], { bridge: false, vxlan: false }).filter((s) => s.op === "tc-filter" && s.target === "block");
  };
  assert.equal(blockFilters("vxlan").map((s) => (s as { to: string | null }).to), [null, "ovl-vx"]);
  assert.equal(blockFilters("direct").map((s) => (s as { to: string | null }).to), [null]);
  assert.equal(blockFilters("auto").map((s) => (s as { to: string | null }).to), [null]);
});

test("fast path in auto: each VXLAN peer's block is redirected to ovl-vx, at a pref of its own; direct peers' blocks stay on the bridge", () => {
  const d = desiredDataplane(lab("auto", true), "n1", { underlayIface: "lan0" })!;
  assert.equal(desiredFilters(d, new Set()).block, [
    { pref: 1, dst: "198.19.0.0/24", to: null },
    { pref: 4, dst: "198.19.2.0/24", to: "ovl-vx" },
  ]);
  assert.is(blockPref("198.19.0.0/18", "198.19.63.0/24"), 65);
  const wide = desiredDataplane(given([{ ...cluster("auto", 1450), data: { ...cluster("auto", 1450).data, cidr: "10.0.0.0/8", blockPrefix: 26 } }, join("n1", "198.18.0.11"), join("n3", "198.18.1.13")] as never), "n1", { underlayIface: "lan0" })!;
  assert.equal(desiredFilters(wide, new Set()).block.map((f) => f.to), [null], "more blocks than prefs: the bridge path, as before");
});

test.run();
