import { test } from "uvu";
import * as assert from "uvu/assert";
import { macFor } from "@ovl/domain";
import {
  clashes,
  desiredDataplane,
  dockerUserRules,
  KernelError,
  ownedRules,
  parseSs,
  plan,
  renderNftTable,
  specLine,
  type ActualState,
  type DesiredNode,
} from "@ovl/node-agent";
import { CLUSTER, given, join, report, start } from "./kernel-given.js";

const base = given([
  CLUSTER,
  join("n1", "198.18.0.11"),
  join("n2", "198.18.0.12"),
  join("n3", "198.18.0.13"),
  start("web", "n1", [{ host: 8080, container: 80, proto: "tcp" }, { hostIp: "198.18.0.11", host: 5353, container: 53, proto: "udp" }]),
  start("bad", "n1"),
  start("db", "n2"),
  start("old", "n2"),
  start("gone", "n3"),
]);
const state = given(
  [
    report("n1", "web", "198.19.0.2", "running"),
    report("n1", "bad", "198.19.0.3", "failed"),
    report("n2", "old", "198.19.1.3", "exited"),
    { type: "LoseNode", data: { node: "n3", lastSeen: null } },
  ],
  base,
);
const d1 = desiredDataplane(state, "n1", { underlayIface: "lan0" })!;

/** The kernel as it is once `d` has been applied (and its containers attached). */
function actualOf(d: DesiredNode): ActualState {
  return {
    bridge: { kind: "bridge", mac: d.bridge.mac, mtu: d.bridge.mtu, up: true, nfCalls: [0, 0, 0], addrs: [d.bridge.address] },
    vxlan: { kind: "vxlan", vni: d.vxlan.vni, port: d.vxlan.port, local: d.vxlan.local, dev: d.vxlan.dev, learning: false, proxy: true, mtu: d.vxlan.mtu, up: true, master: d.bridge.name },
    veths: d.localContainers.map((c) => ({ name: c.veth, master: d.bridge.name, up: true })),
    neigh: d.remotes.map((r) => ({ ip: r.ip, mac: r.mac })),
    fdb: d.remotes.map((r) => ({ mac: r.mac, dst: r.underlayIp })),
    nft: renderNftTable(d) + "\n",
    dockerUser: [...dockerUserRules(d.bridge.name).map((r) => specLine("DOCKER-USER", r)), "-A DOCKER-USER -j RETURN"],
    forwardJump: true,
    sysctls: { "net.ipv4.ip_forward": "1" },
  };
}

const EMPTY: ActualState = { bridge: null, vxlan: null, veths: [], neigh: [], fdb: [], nft: null, dockerUser: null, forwardJump: false, sysctls: { "net.ipv4.ip_forward": "0" } };

test("desired: bridge holds the gateway with the cluster prefix, vxlan on the underlay", () => {
  assert.equal(d1.bridge, { name: "ovl-br", address: "198.19.0.1/18", mac: macFor("198.19.0.1"), mtu: 1450, proxyArp: false });
  assert.equal(d1.vxlan, { name: "ovl-vx", vni: 42, port: 4789, local: "198.18.0.11", dev: "lan0", mtu: 1450 });
  assert.equal(d1.node.subnet, "198.19.0.0/24");
});

test("desired: remotes are ready peers' gateways and containers holding an address; lost nodes are left out", () => {
  assert.equal(
    d1.remotes.map((r) => `${r.kind}:${r.ip}@${r.underlayIp}`),
    ["gateway:198.19.1.1@198.18.0.12", "container:198.19.1.2@198.18.0.12", "container:198.19.1.3@198.18.0.12"],
  );
  assert.is(d1.remotes[1]!.mac, macFor("198.19.1.2"));
});

test("desired: local containers skip failed ones; ports come from them", () => {
  assert.equal(d1.localContainers.map((c) => `${c.name}:${c.veth}`), ["web:ovlc6130002"]);
  assert.equal(d1.ports, [
    { proto: "tcp", hostPort: 8080, ip: "198.19.0.2", port: 80, container: "web" },
    { proto: "udp", hostPort: 5353, hostIp: "198.18.0.11", ip: "198.19.0.2", port: 53, container: "web" },
  ]);
});

test("desired: null without a block; bad interface name refused", () => {
  assert.is(desiredDataplane(state, "nope", { underlayIface: "lan0" }), null);
  const left = given([{ type: "LeaveNode", data: { node: "n2" } }, { type: "CompleteLeave", data: { node: "n2" } }], state);
  assert.is(desiredDataplane(left, "n2", { underlayIface: "lan0" }), null);
  assert.equal(desiredDataplane(left, "n1", { underlayIface: "lan0" })!.remotes, []);
  assert.throws(() => desiredDataplane(state, "n1", { underlayIface: "eth0; rm -rf /" }), (e: unknown) => e instanceof KernelError && e.code === "INVALID_INPUT");
});

test("nft: the table as nft lists it", () => {
  assert.is(
    renderNftTable(d1),
    [
      "table ip ovl {",
      '\tcomment "managed by ovl"',
      "\tcounter vxlan_foreign {",
      "\t\tpackets 0 bytes 0",
      "\t}",
      "",
      "\tset members {",
      "\t\ttype ipv4_addr",
      "\t\telements = { 198.18.0.12, 198.18.0.13 }",
      "\t}",
      "",
      "\tchain raw_prerouting {",
      "\t\ttype filter hook prerouting priority raw; policy accept;",
      '\t\tiifname "ovl-br" ip daddr 127.0.0.0/8 drop',
      "\t\tip saddr 198.19.0.0/18 ip daddr 198.19.0.0/18 notrack",
      "\t}",
      "",
      "\tchain raw_output {",
      "\t\ttype filter hook output priority raw; policy accept;",
      "\t\tip saddr 198.19.0.0/18 ip daddr 198.19.0.0/18 notrack",
      "\t}",
      "",
      "\tchain prerouting {",
      "\t\ttype nat hook prerouting priority dstnat; policy accept;",
      "\t\tfib daddr type local tcp dport 8080 dnat to 198.19.0.2:80",
      "\t\tip daddr 198.18.0.11 fib daddr type local udp dport 5353 dnat to 198.19.0.2:53",
      "\t}",
      "",
      "\tchain output {",
      "\t\ttype nat hook output priority -100; policy accept;",
      "\t\tfib daddr type local tcp dport 8080 dnat to 198.19.0.2:80",
      "\t\tip daddr 198.18.0.11 fib daddr type local udp dport 5353 dnat to 198.19.0.2:53",
      "\t}",
      "",
      "\tchain postrouting {",
      "\t\ttype nat hook postrouting priority srcnat; policy accept;",
      "\t\tip saddr 198.19.0.0/18 ip daddr != 198.19.0.0/18 masquerade",
      '\t\tip saddr 127.0.0.0/8 oifname "ovl-br" snat to 198.18.0.11',
      "\t}",
      "",
      "\tchain input {",
      "\t\ttype filter hook input priority filter; policy accept;",
      '\t\tudp dport 4789 ip saddr != @members counter name "vxlan_foreign" drop',
      '\t\tiifname != "ovl-br" ip daddr 198.19.0.1 meta l4proto { tcp, udp } th dport 53 drop',
      "\t}",
      "",
      "\tchain forward {",
      "\t\ttype filter hook forward priority filter; policy accept;",
      '\t\tudp dport 4789 ip daddr @members counter name "vxlan_foreign" drop',
      "\t}",
      "}",
    ].join("\n"),
  );
});

test("plan: from nothing, everything in order", () => {
  const ops = plan(d1, EMPTY).map((s) => s.op);
  assert.equal(ops, [
    "sysctl",
    "bridge-add", "addr-add", "link-set",
    "vxlan-add", "link-set",
    "fdb-replace", "fdb-replace", "fdb-replace", "neigh-replace", "neigh-replace", "neigh-replace",
    "nft-load", "iptables-chain", "iptables-insert", "iptables-insert", "iptables-insert",
  ]);
});

test("plan: nothing to do when the kernel is right", () => {
  assert.equal(plan(d1, actualOf(d1)), []);
});

test("plan: stale peers, veths and addresses are removed; attached veths are kept", () => {
  const a = actualOf(d1);
  const stale: ActualState = {
    ...a,
    bridge: { ...a.bridge!, addrs: ["198.19.5.1/18", "198.19.0.1/18"] },
    veths: [...a.veths, { name: "ovlc6130009", master: "ovl-br", up: true }],
    neigh: [...a.neigh, { ip: "198.19.2.2", mac: macFor("198.19.2.2") }],
    fdb: [...a.fdb, { mac: macFor("198.19.2.2"), dst: "198.18.0.13" }],
  };
  assert.equal(plan(d1, stale), [
    { op: "addr-del", dev: "ovl-br", cidr: "198.19.5.1/18" },
    { op: "link-del", name: "ovlc6130009", why: "no such container on this node" },
    { op: "neigh-del", dev: "ovl-vx", ip: "198.19.2.2" },
    { op: "fdb-del", dev: "ovl-vx", mac: macFor("198.19.2.2"), dst: "198.18.0.13" },
  ]);
});

test("plan: a peer that moved gets its FDB entry replaced, not duplicated", () => {
  const a = actualOf(d1);
  const moved = { ...a, fdb: a.fdb.map((f) => (f.mac === macFor("198.19.1.2") ? { ...f, dst: "198.18.0.99" } : f)) };
  assert.equal(plan(d1, moved), [{ op: "fdb-replace", dev: "ovl-vx", mac: macFor("198.19.1.2"), dst: "198.18.0.12" }]);
});

test("plan: an incompatible vxlan is recreated (saying why) and its entries programmed again", () => {
  const a = actualOf(d1);
  const steps = plan(d1, { ...a, vxlan: { ...a.vxlan!, vni: 7 } });
  assert.equal(steps[0], { op: "link-del", name: "ovl-vx", why: "vni: 7 vs 42" });
  assert.equal(steps.filter((s) => s.op === "fdb-replace").length, 3);
  assert.equal(steps.filter((s) => s.op === "neigh-replace").length, 3);
});

test("plan: bridge properties are fixed in place; a recreated bridge re-enslaves vxlan and veths", () => {
  const a = actualOf(d1);
  assert.equal(plan(d1, { ...a, bridge: { ...a.bridge!, mtu: 1500, nfCalls: [1, 0, 0] } }), [
    { op: "bridge-set", name: "ovl-br", mac: d1.bridge.mac, mtu: 1450, why: "mtu: 1500 vs 1450, nf_call: 1,0,0 vs 0,0,0" },
  ]);
  const ops = plan(d1, { ...a, bridge: null }).map((s) => `${s.op}:${"name" in s ? s.name : ""}`);
  assert.equal(ops, ["bridge-add:ovl-br", "addr-add:", "link-set:ovl-br", "link-set:ovl-vx", "link-set:ovlc6130002"]);
});

test("plan: the nft table is reloaded only when its text differs; rules only when missing", () => {
  const a = actualOf(d1);
  assert.equal(plan(d1, { ...a, nft: a.nft!.replace("8080", "8081") }).map((s) => s.op), ["nft-load"]);
  assert.equal(plan(d1, { ...a, dockerUser: a.dockerUser!.slice(1) }).map((s) => s.op), ["iptables-insert"]);
  assert.equal(plan(d1, { ...a, forwardJump: false }).map((s) => s.op), ["iptables-chain"]);
});

test("iptables: ovl's rules are found by comment, others are not", () => {
  const lines = ["-A DOCKER-USER -i ovl-br -m comment --comment ovl -j ACCEPT", "-A DOCKER-USER -i eth9 -j DROP", "-A DOCKER-USER -j RETURN"];
  assert.equal(ownedRules(lines), [["-i", "ovl-br", "-m", "comment", "--comment", "ovl", "-j", "ACCEPT"]]);
});

test("ports: ss listing parsed; wildcard and specific binds clash as the kernel would", () => {
  const ls = parseSs(
    ["tcp   LISTEN 0 128 0.0.0.0:22 0.0.0.0:*", "tcp LISTEN 0 4096 127.0.0.1:8080 0.0.0.0:*", "udp UNCONN 0 0 [::]:5353 [::]:*", "tcp LISTEN 0 5 198.18.0.11%lan0:9000 0.0.0.0:*", ""].join("\n"),
  );
  assert.equal(ls, [
    { proto: "tcp", addr: "*", port: 22 },
    { proto: "tcp", addr: "127.0.0.1", port: 8080 },
    { proto: "udp", addr: "*", port: 5353 },
    { proto: "tcp", addr: "198.18.0.11", port: 9000 },
  ]);
  assert.ok(clashes(ls, "tcp", 22, "198.18.0.11"));
  assert.ok(clashes(ls, "tcp", 8080));
  assert.not.ok(clashes(ls, "tcp", 8080, "198.18.0.11"));
  assert.not.ok(clashes(ls, "udp", 22));
  assert.ok(clashes(ls, "tcp", 9000, "198.18.0.11"));
});

test.run();
