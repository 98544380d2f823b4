import { test } from "uvu";
import * as assert from "uvu/assert";
import { decide, evolve, macFor } from "@ovl/domain";
import { desiredDataplane, dockerUserRules, plan, renderNftTable, specLine, type ActualState, type DesiredNode } from "@ovl/node-agent";
import { CLUSTER, given, join } from "./kernel-given.js";

const base = given([
  CLUSTER,
  join("n1", "198.18.0.11"),
  join("n2", "198.18.0.12"),
  { type: "CreateNetwork", data: { network: "a" } },
  { type: "CreateNetwork", data: { network: "b", cidr: "10.99.0.0/16", internal: true } },
]);
const state = given(
  [
    { type: "StartContainer", data: { name: "both", node: "n2", image: "busybox", cmd: [], ports: [], networks: ["a", "ovl"] } },
    { type: "StartContainer", data: { name: "onb", node: "n2", image: "busybox", cmd: [], ports: [], networks: ["b"] } },
    { type: "StartContainer", data: { name: "web", node: "n1", image: "busybox", cmd: [], ports: [] } },
  ],
  base,
);
const both = state.nodes.n2!.containers.both!;
const onb = state.nodes.n2!.containers.onb!;
const [bothA, bothOvl] = both.networks!;
const d1 = desiredDataplane(state, "n1", { underlayIface: "lan0" })!;
const d2 = desiredDataplane(state, "n2", { underlayIface: "lan0" })!;
const netA = state.networks!.a!;
const netB = state.networks!.b!;

test("desired: each network has its own bridge and VXLAN device, named by its VNI, within IFNAMSIZ", () => {
  const [a, b] = d1.networks!;
  assert.is(a!.bridge.name, `ovlb-${netA.vni}`);
  assert.is(a!.vxlan.name, `ovlx-${netA.vni}`);
  assert.is(a!.vxlan.vni, netA.vni);
  assert.is(b!.vxlan.vni, netB.vni);
  assert.is.not(netA.vni, 42);
  const gw = state.nodes.n1!.blocks!.a!.gateway;
  assert.is(a!.bridge.address, `${gw}/${netA.cidr.split("/")[1]}`);
  assert.is(a!.bridge.mac, macFor(gw));
  for (const n of d1.networks!) for (const dev of [n.bridge.name, n.vxlan.name]) assert.ok(dev.length <= 15);
  assert.ok(`ovlb-${0xffffff}`.length <= 15);
});

test("desired: a container on two networks has an interface on each bridge; its peers see each address on that network's device only", () => {
  assert.equal(d2.localContainers.map((c) => c.ip), [bothOvl!.ip]);
  assert.equal(d2.networks!.find((n) => n.name === "a")!.localContainers.map((c) => c.ip), [bothA!.ip]);
  assert.equal(d2.networks!.find((n) => n.name === "b")!.localContainers.map((c) => c.ip), [onb.ip]);
  const remotesOf = (net: string) => d1.networks!.find((n) => n.name === net)!.remotes.filter((r) => r.kind === "container").map((r) => r.ip);
  assert.equal(d1.remotes.filter((r) => r.kind === "container").map((r) => r.ip), [bothOvl!.ip]);
  assert.equal(remotesOf("a"), [bothA!.ip]);
  assert.equal(remotesOf("b"), [onb.ip]);
  // each peer's gateway of the network is on that network's device
  assert.ok(d1.networks!.find((n) => n.name === "a")!.remotes.some((r) => r.kind === "gateway" && r.ip === state.nodes.n2!.blocks!.a!.gateway));
});

const lanJoin = (node: string, ip: string) => ({ type: "JoinNode" as const, data: { node, underlayIp: ip, agentVersion: "test", lanPrefix: 24 } });

test("desired: the direct mode routes each network's peer blocks with the network's gateway as source", () => {
  const direct = given([{ ...CLUSTER, data: { ...CLUSTER.data, mode: "direct" } } as typeof CLUSTER, lanJoin("n1", "198.18.0.11"), lanJoin("n2", "198.18.0.12"), { type: "CreateNetwork", data: { network: "a" } }]);
  const d = desiredDataplane(direct, "n1", { underlayIface: "lan0" })!;
  const a2 = direct.nodes.n2!.blocks!.a!;
  assert.ok(d.routes.some((r) => r.dst === a2.subnet && r.via === "198.18.0.12" && r.src === direct.nodes.n1!.blocks!.a!.gateway));
  assert.ok(d.routes.some((r) => r.dst === direct.nodes.n2!.subnet));
  assert.is(d.networks![0]!.remotes.length, 0);
  assert.is(d.networks![0]!.bridge.proxyArp, true);
});

test("nft: networks are kept apart in forward and input, the internal one is never masqueraded", () => {
  const t = renderNftTable(d1);
  const a = netA.cidr;
  const bA = `ovlb-${netA.vni}`;
  const bB = `ovlb-${netB.vni}`;
  for (const line of [
    `iifname "ovl-br" ip daddr ${a} drop`,
    `oifname "ovl-br" ip saddr ${a} drop`,
    `iifname "ovl-br" ip daddr 10.99.0.0/16 drop`,
    `iifname "${bA}" ip daddr != ${a} ip daddr 198.19.0.0/18 drop`,
    `iifname "${bA}" ip daddr != ${a} ip daddr 10.99.0.0/16 drop`,
    `oifname "${bA}" ip saddr != ${a} ip saddr 198.19.0.0/18 drop`,
    `iifname "${bB}" ip daddr != 10.99.0.0/16 drop`,
    `oifname "${bB}" ip saddr != 10.99.0.0/16 drop`,
    "ip saddr 10.99.0.0/16 return",
    'iifname "ovlb-*" ip daddr 127.0.0.0/8 drop',
  ]) assert.ok(t.includes(`\t\t${line}\n`), line);
  assert.not.ok(/10\.99\.0\.0\/16 ip daddr != 10\.99\.0\.0\/16 masquerade/.test(t));
  assert.ok(t.indexOf("ip saddr 10.99.0.0/16 return") < t.indexOf("masquerade"));
});

test("nft: a cluster without networks renders as before (no isolation rule)", () => {
  const plain = desiredDataplane(given([CLUSTER, join("n1", "198.18.0.11")]), "n1", { underlayIface: "lan0" })!;
  assert.is(plain.networks, undefined);
  assert.not.ok(renderNftTable(plain).includes("ovlb"));
});

/** The kernel once `d` is applied. */
function actualOf(d: DesiredNode): ActualState {
  const bridgeOf = (b: DesiredNode["bridge"]) => ({ kind: "bridge", mac: b.mac, mtu: b.mtu, up: true, nfCalls: [0, 0, 0] as const, addrs: [b.address] });
  const vxOf = (v: DesiredNode["vxlan"], master: string) => ({ kind: "vxlan", vni: v.vni, port: v.port, local: v.local, dev: v.dev, learning: false, proxy: true, mtu: v.mtu, up: true, master });
  const nets = d.networks ?? [];
  const rules = [...dockerUserRules(d.bridge.name), ...nets.flatMap((n) => dockerUserRules(n.bridge.name))];
  return {
    bridge: bridgeOf(d.bridge),
    vxlan: vxOf(d.vxlan, d.bridge.name),
    veths: [...d.localContainers.map((c) => ({ name: c.veth, master: d.bridge.name, up: true })), ...nets.flatMap((n) => n.localContainers.map((c) => ({ name: c.veth, master: n.bridge.name, up: true })))],
    neigh: d.remotes.map((r) => ({ ip: r.ip, mac: r.mac })),
    fdb: d.remotes.map((r) => ({ mac: r.mac, dst: r.underlayIp })),
    nft: renderNftTable(d) + "\n",
    dockerUser: [...rules.map((r) => specLine("DOCKER-USER", r)), "-A DOCKER-USER -j RETURN"],
    forwardJump: true,
    sysctls: { "net.ipv4.ip_forward": "1" },
    netBridges: Object.fromEntries(nets.map((n) => [n.bridge.name, bridgeOf(n.bridge)])),
    netVxlans: Object.fromEntries(nets.map((n) => [n.vxlan.name, vxOf(n.vxlan, n.bridge.name)])),
    netEntries: Object.fromEntries(nets.map((n) => [n.vxlan.name, { neigh: n.remotes.map((r) => ({ ip: r.ip, mac: r.mac })), fdb: n.remotes.map((r) => ({ mac: r.mac, dst: r.underlayIp })) }])),
  };
}

test("plan: each network's devices, entries and forward accepts from nothing; nothing once applied", () => {
  const a = actualOf(d2);
  const steps = plan(d2, { ...a, netBridges: {}, netVxlans: {}, netEntries: {}, veths: a.veths.map((v) => ({ ...v, master: null })), dockerUser: [] });
  for (const n of d2.networks!) {
    assert.ok(steps.some((s) => s.op === "bridge-add" && s.name === n.bridge.name));
    assert.ok(steps.some((s) => s.op === "vxlan-add" && s.name === n.vxlan.name && s.vni === n.vxlan.vni));
    assert.ok(steps.some((s) => s.op === "link-set" && s.name === n.vxlan.name && s.master === n.bridge.name));
    assert.ok(steps.some((s) => s.op === "addr-add" && s.dev === n.bridge.name && s.cidr === n.bridge.address));
    for (const r of n.remotes) assert.ok(steps.some((s) => s.op === "fdb-replace" && s.dev === n.vxlan.name && s.mac === r.mac));
    for (const c of n.localContainers) assert.ok(steps.some((s) => s.op === "link-set" && s.name === c.veth && s.master === n.bridge.name));
    assert.ok(steps.some((s) => s.op === "iptables-insert" && s.rule.includes(n.bridge.name)));
  }
  assert.equal(plan(d2, a), []);
});

test("plan: a removed network's devices and accept rules go", () => {
  const a = actualOf(d2);
  const stale = { ...a, netBridges: { ...a.netBridges, "ovlb-77": a.bridge! }, netVxlans: { ...a.netVxlans, "ovlx-77": a.vxlan! }, dockerUser: [...dockerUserRules("ovlb-77").map((r) => specLine("DOCKER-USER", r)), ...a.dockerUser!] };
  const steps = plan(d2, stale);
  assert.equal(steps.filter((s) => s.op === "link-del").map((s) => (s as { name: string }).name), ["ovlx-77", "ovlb-77"]);
  assert.equal(steps.filter((s) => s.op === "iptables-delete").length, 3);
  assert.is(steps.length, 5);
});

test("desired: a Docker container connected to a second network holds that address once while its claim is folded", () => {
  const door = given(
    [
      { type: "ReserveDockerAddress", data: { node: "n1", name: "ipam-1" } },
      { type: "ClaimDockerAddress", data: { node: "n1", reservation: "ipam-1", name: "dweb", image: "busybox", ports: [] } },
      { type: "ReserveDockerAddress", data: { node: "n1", name: "ipam-2", network: "a" } },
    ],
    base,
  );
  const onA = door.nodes.n1!.containers["ipam-2"]!.ip;
  const first = door.nodes.n1!.containers["dweb"]!.ip;
  const events = decide({ type: "ClaimDockerAddress", data: { node: "n1", reservation: "ipam-2", name: "dweb", image: "busybox", ports: [], ips: [onA, first] }, metadata: { now: "2025-01-01T00:00:00Z", requestId: "req-door" } }, door);
  assert.is(events.length, 2, "the container's record, then the reservation's end: the record keeps its address");
  // Between the two events both records hold the address on a: one interface.
  const between = evolve(door, events[0]!, { time: "2025-01-01T00:00:00Z" });
  const local = (s: typeof door, net: string) => desiredDataplane(s, "n1", { underlayIface: "lan0" })!.networks!.find((n) => n.name === net)!.localContainers;
  assert.equal(local(between, "a").map((c) => [c.name, c.ip]), [["dweb", onA]]);
  const after = evolve(between, events[1]!, { time: "2025-01-01T00:00:00Z" });
  assert.equal(local(after, "a").map((c) => [c.name, c.ip]), [["dweb", onA]]);
  assert.equal(after.nodes.n1!.containers["dweb"]!.networks!.map((x) => x.network), ["ovl", "a"]);
  assert.equal(desiredDataplane(after, "n1", { underlayIface: "lan0" })!.localContainers.map((c) => [c.name, c.ip]), [["dweb", first]]);
});

test.run();
