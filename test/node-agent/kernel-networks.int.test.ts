/**
 * Networks on a real kernel, in the auto routing mode so that both paths are crossed: one LAN
 * segment (bridge br0 in "lan") with n1 198.18.0.11/24 and n2 198.18.0.12/24 on one subnet
 * (reached directly) and n3 198.18.1.13/24 on another (reached through VXLAN). FORWARD policy
 * DROP and ip_forward 0, as a host with dockerd leaves them. Networks a and b and an internal
 * i beside ovl; a1 on a (n1), a2 on a (n2), a3 on a (n3), b2 on b (n2), ab on a and b (n1),
 * i1 on i (n1), o1 on ovl (n1). Within a network everything answers on either path, across
 * networks nothing does (ping and TCP, through the node or the LAN), and teardown restores each node.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { attachmentsOf, parseCidr, vethNameFor, type Attachment, type ClusterState, type ContainerRecord } from "@ovl/domain";
import { desiredDataplane, type KernelDataplane } from "@ovl/node-agent";
import { dumpNode, makeLan, ping, startContainer, startWhoami, whoami, type LanHost } from "../support/netns.js";
import { given } from "./kernel-given.js";
import { SYSCTLS, dataplaneOn } from "./kernel-bed.js";
import { kernelSuite } from "./kernel-suite.js";

const PORT = 7070;
const hosts: Record<string, LanHost> = {};
const dps: Record<string, KernelDataplane> = {};
const before: Record<string, Record<string, string>> = {};
const ctr: Record<string, Awaited<ReturnType<typeof startContainer>>> = {};
const NODES = { n1: "198.18.0.11", n2: "198.18.0.12", n3: "198.18.1.13" } as const;
type Node = keyof typeof NODES;
const PLACED: [string, Node, string[] | undefined][] = [["a1", "n1", ["a"]], ["a2", "n2", ["a"]], ["a3", "n3", ["a"]], ["b2", "n2", ["b"]], ["ab", "n1", ["a", "b"]], ["i1", "n1", ["i"]], ["o1", "n1", undefined]];

const state: ClusterState = given([
  { type: "CreateCluster", data: { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 42, vxlanPort: 4789, mtu: 1450, mode: "auto" } },
  ...(Object.entries(NODES) as [Node, string][]).map(([node, underlayIp]) => ({ type: "JoinNode" as const, data: { node, underlayIp, agentVersion: "t", lanPrefix: 24 } })),
  { type: "CreateNetwork", data: { network: "a" } },
  { type: "CreateNetwork", data: { network: "b" } },
  { type: "CreateNetwork", data: { network: "i", internal: true } },
  ...PLACED.map(([name, node, networks]) => ({ type: "StartContainer" as const, data: { name, node, image: "busybox", cmd: [], ports: [], ...(networks ? { networks } : {}) } })),
]);
const rec = (name: string): ContainerRecord => Object.values(state.nodes).flatMap((n) => Object.values(n.containers)).find((c) => c.name === name)!;
const ipOn = (name: string, network: string) => attachmentsOf(rec(name)).find((a) => a.network === network)!.ip;
const desired = (node: Node) => desiredDataplane(state, node, { underlayIface: "lan0" })!;

async function attach(name: string, node: Node): Promise<void> {
  const d = desired(node);
  const spec = (a: Attachment, i: number) => {
    const n = d.networks?.find((x) => x.name === a.network);
    const common = { pid: ctr[name]!.pid, ip: a.ip, mac: a.mac, veth: vethNameFor(a.ip), mtu: d.cluster.mtu, ifname: `eth${i}`, defaultRoute: i === 0 };
    return n ? { ...common, gateway: n.gateway, clusterPrefix: parseCidr(n.cidr).prefix, bridge: n.bridge.name } : { ...common, gateway: d.node.gateway, clusterPrefix: d.cluster.prefix, fastPath: true };
  };
  const atts = attachmentsOf(rec(name));
  for (let i = 0; i < atts.length; i++) await dps[node]!.attachContainer(spec(atts[i]!, i));
}

const reaches = async (from: string, ip: string, tries = 2): Promise<boolean> => ping(ctr[from]!.run, ip, tries);
const tcp = async (from: string, ip: string): Promise<boolean> => (await whoami(ctr[from]!.run, ip, PORT).catch(() => "")) !== "";

const { scope } = kernelSuite(test, async (suite) => {
  Object.assign(hosts, await makeLan(suite.scope, (Object.entries(NODES) as [Node, string][]).map(([name, ip]) => ({ name, ip }))));
  for (const [name, h] of Object.entries(hosts) as [Node, LanHost][]) {
    await h.run("ip", ["route", "add", name === "n3" ? "198.18.0.0/24" : "198.18.1.0/24", "dev", "lan0"]);
    const bed = await dataplaneOn(h, { prefix: "ovl-kernel-networks-", bed: suite });
    [before[h.ns], dps[name]] = [bed.before, bed.dp];
  }
  for (const [name] of PLACED) ctr[name] = await startContainer(suite.scope);
});

test("each network gets its bridge and VXLAN device per node; containers one interface per network; a second reconcile changes nothing", async () => {
  for (const node of Object.keys(NODES) as Node[]) assert.ok((await dps[node]!.reconcile(desired(node))).length > 5);
  for (const [name, node] of PLACED) await attach(name, node);
  for (const node of Object.keys(NODES) as Node[]) assert.equal(await dps[node]!.reconcile(desired(node)), [], `${node}: nothing left to do`);
  const links = (await hosts.n1!.run("ip", ["-o", "link", "show"])).stdout;
  for (const n of ["a", "b", "i"]) {
    const vni = state.networks![n]!.vni;
    assert.match(links, `ovlb-${vni}:`);
    assert.match(links, new RegExp(`ovlx-${vni}: .* master ovlb-${vni} `));
  }
  const inside = (await ctr.ab!.run("ip", ["-o", "-4", "addr", "show"])).stdout;
  assert.match(inside, `eth0    inet ${ipOn("ab", "a")}/`);
  assert.match(inside, `eth1    inet ${ipOn("ab", "b")}/`);
  for (const name of ["a2", "a3", "b2", "ab", "o1"]) await startWhoami(scope, ["nsenter", "-t", String(ctr[name]!.pid), "-n"], PORT);
});

test("within a network: both paths (direct to n2, VXLAN to n3); the container on two networks reaches both", async () => {
  assert.ok(await reaches("a1", ipOn("a2", "a")), "a1 -> a2 (direct)");
  assert.ok(await reaches("a1", ipOn("a3", "a")), "a1 -> a3 (VXLAN)");
  assert.ok(await reaches("a3", ipOn("a2", "a")), "a3 -> a2 (VXLAN)");
  assert.ok(await tcp("a1", ipOn("a3", "a")), "a1 -> a3 TCP");
  assert.ok(await tcp("a1", ipOn("a2", "a")), "a1 -> a2 TCP");
  assert.ok(await reaches("ab", ipOn("b2", "b")), "ab -> b2 over b");
  assert.ok(await tcp("ab", ipOn("b2", "b")), "ab -> b2 TCP over b");
  assert.ok(await tcp("ab", ipOn("a2", "a")), "ab -> a2 TCP over a");
  assert.ok(await tcp("b2", ipOn("ab", "b")), "b2 -> ab TCP");
});

test("across networks nothing answers: not through the node, not through the LAN, not the other networks' gateways", async () => {
  const n1 = state.nodes.n1!;
  const n2 = state.nodes.n2!;
  const pairs: [string, string][] = [
    ["a1", ipOn("b2", "b")], ["a1", ipOn("ab", "b")], ["a1", ipOn("o1", "ovl")], ["a1", ipOn("i1", "i")],
    ["a1", n1.blocks!.b!.gateway], ["a1", n2.blocks!.b!.gateway], ["a1", n1.gateway!],
    ["b2", ipOn("a2", "a")], ["b2", ipOn("a1", "a")], ["b2", ipOn("o1", "ovl")],
    ["o1", ipOn("a1", "a")], ["o1", ipOn("a2", "a")], ["o1", ipOn("b2", "b")], ["o1", n1.blocks!.a!.gateway],
    ["a3", ipOn("b2", "b")], ["i1", ipOn("a1", "a")], ["i1", NODES.n1], ["i1", NODES.n2],
  ];
  for (const [from, to] of pairs) assert.not.ok(await reaches(from, to, 1), `${from} -> ${to} must not answer`);
  for (const [from, to] of [["a1", ipOn("b2", "b")], ["b2", ipOn("a2", "a")], ["o1", ipOn("a2", "a")], ["a1", ipOn("o1", "ovl")]] as const) {
    assert.not.ok(await tcp(from, to), `${from} -> ${to} TCP must not answer`);
  }
  // Even with a route of its own toward the other network through its gateway.
  await ctr.a1!.run("ip", ["route", "add", state.networks!.b!.cidr, "via", n1.blocks!.a!.gateway]);
  assert.not.ok(await reaches("a1", ipOn("b2", "b"), 1), "a1 -> b2 through n1 as a router");
});

test("teardown returns each node exactly to its state before ovl", async () => {
  for (const [name, h] of Object.entries(hosts) as [Node, LanHost][]) {
    await dps[name]!.teardown();
    assert.equal(await dumpNode(h.run, SYSCTLS), before[h.ns], `${name} as before`);
  }
});

test.run();
