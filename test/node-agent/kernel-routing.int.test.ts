/**
 * The auto routing mode on a real kernel: one LAN segment (bridge br0 in "lan") holding two
 * subnets, n1 198.18.0.11/24 and n2 198.18.0.12/24 on one, n3 198.18.1.13/24 on the other
 * (each reaches the other subnet on-link, as a router would let it). FORWARD policy DROP and
 * ip_forward 0 as a host with dockerd leaves them. n1 reaches n2 directly (a route, proxy ARP)
 * and n3 through VXLAN; containers reach each other either way, and teardown restores each node.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { macFor, vethNameFor, type ClusterState } from "@ovl/domain";
import { desiredDataplane, type KernelDataplane } from "@ovl/node-agent";
import { dumpNode, makeLan, ping, startContainer, type LanHost } from "../support/netns.js";
import { given, start } from "./kernel-given.js";
import { SYSCTLS, dataplaneOn } from "./kernel-bed.js";
import { kernelSuite } from "./kernel-suite.js";

const hosts: Record<string, LanHost> = {};
const dps: Record<string, KernelDataplane> = {};
const before: Record<string, Record<string, string>> = {};
const ctr: Record<string, Awaited<ReturnType<typeof startContainer>>> = {};
const NODES = { n1: "198.18.0.11", n2: "198.18.0.12", n3: "198.18.1.13" } as const;
type Node = keyof typeof NODES;

const state: ClusterState = given([
  { type: "CreateCluster", data: { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 42, vxlanPort: 4789, mtu: 1450, mode: "auto" } },
  ...(Object.entries(NODES) as [Node, string][]).map(([node, underlayIp]) => ({ type: "JoinNode" as const, data: { node, underlayIp, agentVersion: "t", lanPrefix: 24 } })),
  start("a", "n1"),
  start("c", "n2"),
  start("d", "n3"),
]);
const ip = (name: string) => Object.values(state.nodes).flatMap((n) => Object.values(n.containers)).find((c) => c.name === name)!.ip;
const desired = (node: Node) => desiredDataplane(state, node, { underlayIface: "lan0" })!;
const text = async (node: Node, cmd: string, argv: string[]) => (await hosts[node]!.run(cmd, argv)).stdout;

kernelSuite(test, async (suite) => {
  Object.assign(hosts, await makeLan(suite.scope, (Object.entries(NODES) as [Node, string][]).map(([name, ip]) => ({ name, ip }))));
  for (const [name, h] of Object.entries(hosts) as [Node, LanHost][]) {
    // The other subnet on-link: the LAN forwards between them as a router would.
    await h.run("ip", ["route", "add", name === "n3" ? "198.18.0.0/24" : "198.18.1.0/24", "dev", "lan0"]);
    const bed = await dataplaneOn(h, { prefix: "ovl-kernel-routing-", bed: suite });
    [before[h.ns], dps[name]] = [bed.before, bed.dp];
  }
  for (const name of ["a", "c", "d"]) ctr[name] = await startContainer(suite.scope);
});

test("auto: n1 routes n2's block via n2's LAN address and reaches n3 through VXLAN", async () => {
  for (const node of Object.keys(NODES) as Node[]) assert.ok((await dps[node]!.reconcile(desired(node))).length > 5);
  for (const [name, node] of [["a", "n1"], ["c", "n2"], ["d", "n3"]] as const) {
    const d = desired(node);
    await dps[node]!.attachContainer({ pid: ctr[name]!.pid, ip: ip(name), mac: macFor(ip(name)), veth: vethNameFor(ip(name)), gateway: d.node.gateway, clusterPrefix: d.cluster.prefix, mtu: d.cluster.mtu, fastPath: true });
  }
  assert.match(await text("n1", "ip", ["route", "show", "proto", "111"]), `${state.nodes.n2!.subnet} via 198.18.0.12 dev lan0 src ${state.nodes.n1!.gateway}`);
  assert.not.match(await text("n1", "ip", ["route", "show", "proto", "111"]), "198.18.1.13");
  const fdb = await text("n1", "bridge", ["fdb", "show", "dev", "ovl-vx"]);
  assert.match(fdb, "dst 198.18.1.13");
  assert.not.match(fdb, "dst 198.18.0.12");
  assert.is((await text("n1", "sysctl", ["-n", "net.ipv4.conf.ovl-br.proxy_arp"])).trim(), "1");
  assert.equal(await dps.n1!.reconcile(desired("n1")), [], "a second reconcile changes nothing");
});

test("auto: containers reach each other on either path, and the hosts reach remote containers", async () => {
  assert.ok(await ping(ctr.a!.run, ip("c")), "a -> c (direct)");
  assert.ok(await ping(ctr.c!.run, ip("a")), "c -> a (direct)");
  assert.ok(await ping(ctr.a!.run, ip("d")), "a -> d (VXLAN)");
  assert.ok(await ping(ctr.d!.run, ip("c")), "d -> c (VXLAN)");
  assert.ok(await ping(ctr.a!.run, state.nodes.n2!.gateway!), "a -> n2's gateway (direct)");
  assert.ok(await ping(hosts.n1!.run, ip("c")), "n1 host -> c (direct, from its gateway)");
  assert.match(await ctr.a!.run("ip", ["neigh", "show", ip("c")]).then((r) => r.stdout), macFor(state.nodes.n1!.gateway!), "a was answered with its bridge's MAC (proxy ARP)");
});

test("teardown returns each node exactly to its state before ovl (the direct routes too)", async () => {
  for (const [name, h] of Object.entries(hosts) as [Node, LanHost][]) {
    await dps[name]!.teardown();
    assert.equal(await dumpNode(h.run, SYSCTLS), before[h.ns], `${name} as before`);
  }
});

test.run();
