/**
 * The VXLAN port of a node is open to the cluster's members only. One node n1 with ovl's
 * dataplane and a container a; on the same LAN a member host m (n2's address) and a host x
 * that is not a member, each with a VXLAN device of its own made by hand (the cluster's VNI
 * and port, a permanent neighbour entry for a and a static FDB entry toward n1), as anyone
 * on the LAN could make. What reaches a is seen by a UDP listener in its namespace; what
 * reaches m's VXLAN port from a, by a counter in m.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { macFor, vethNameFor, type ClusterState } from "@ovl/domain";
import { createKernelDataplane, desiredDataplane, type KernelDataplane, type Step } from "@ovl/node-agent";
import { foreignDrops } from "@ovl/node-agent";
import { makeLan, ping, startContainer, type LanHost } from "../support/netns.js";
import { until } from "../support/wait.js";
import { CLUSTER, given, join, start } from "./kernel-given.js";
import { kernelSuite } from "./kernel-suite.js";

const PORT = 9999;
let n1: LanHost, m: LanHost, x: LanHost;
let dp: KernelDataplane;
let a: Awaited<ReturnType<typeof startContainer>>;
const log: string[] = [];
/** What a's listener received, one "source text" line per datagram. */
const received: string[] = [];
const S = given([CLUSTER, join("n1", "198.18.0.11"), join("n2", "198.18.0.12"), start("a", "n1")]);
const A = S.nodes.n1!.containers.a!.ip;
const desired = (state: ClusterState) => desiredDataplane(state, "n1", { underlayIface: "lan0" })!;
const ops = (steps: Step[]) => steps.map((s) => s.op);

/** A VXLAN device of the cluster's VNI on a LAN host, with an overlay address and a way to a's MAC through n1. */
async function handmadeVxlan(h: LanHost, overlayIp: string): Promise<void> {
  const c = S.cluster!;
  for (const argv of [
    ["link", "add", "vx0", "type", "vxlan", "id", String(c.vni), "dstport", String(c.vxlanPort), "local", h.ip, "dev", "lan0", "nolearning"],
    ["link", "set", "vx0", "address", macFor(overlayIp), "mtu", String(c.mtu), "up"],
    ["addr", "add", `${overlayIp}/18`, "dev", "vx0"],
    ["neigh", "replace", A, "lladdr", macFor(A), "dev", "vx0", "nud", "permanent"],
  ]) await h.run("ip", argv);
  await h.run("bridge", ["fdb", "replace", macFor(A), "dev", "vx0", "dst", n1.ip, "self", "permanent"]);
}

/** Sends `count` datagrams "tag i" from inside a runner's namespace to ip:port. */
async function send(run: LanHost["run"], tag: string, count: number, ip = A, port = PORT): Promise<void> {
  const js = `const s=require("dgram").createSocket("udp4");let n=0;const next=()=>n<${count}?s.send("${tag} "+n++,${port},"${ip}",next):s.close();next()`;
  await run(process.execPath, ["-e", js]);
}

const from = (tag: string) => received.filter((l) => l.split(" ")[1] === tag);
const drops = async () => foreignDrops((await n1.run("nft", ["list", "table", "ip", "ovl"])).stdout) ?? -1;
/** Sends 5 datagrams and says how many of them reached a (waiting a while for the last one). */
async function reached(h: LanHost, tag: string): Promise<number> {
  await send(h.run, tag, 5);
  await until(`${tag}: all 5 datagrams`, 1000, async () => from(tag).length === 5).catch(() => undefined);
  return from(tag).length;
}

kernelSuite(test, async ({ scope, tempDir }) => {
  const hosts = await makeLan(scope, [
    { name: "n1", ip: "198.18.0.11" },
    { name: "m", ip: "198.18.0.12" },
    { name: "x", ip: "198.18.0.13" },
  ]);
  [n1, m, x] = [hosts.n1!, hosts.m!, hosts.x!];
  dp = createKernelDataplane({ stateDir: tempDir("ovl-vxlan-filter-"), run: n1.run, log: (l) => log.push(l) });
  // Closed in reverse: the container and its listener go first, then this, then the namespaces.
  scope.defer(() => dp.teardown().catch(() => undefined));
  await dp.reconcile(desired(S));
  a = await startContainer(scope);
  const d = desired(S);
  await dp.attachContainer({ pid: a.pid, ip: A, mac: macFor(A), veth: vethNameFor(A), gateway: d.node.gateway, clusterPrefix: d.cluster.prefix, mtu: d.cluster.mtu, fastPath: true });
  const js = `const s=require("dgram").createSocket("udp4");s.on("message",(b,r)=>console.log(r.address+" "+b));s.bind(${PORT},()=>console.log("ready"))`;
  const listener = scope.spawn("nsenter", ["-t", String(a.pid), "-n", process.execPath, "-e", js]);
  listener.stdout!.on("data", (b: Buffer) => received.push(...b.toString().split("\n").filter(Boolean)));
  await until("a's listener", 5000, async () => received.includes("ready"));
  // m holds n2's gateway address and MAC: n1 has the entries to answer it.
  await handmadeVxlan(m, S.nodes.n2!.gateway!);
  await handmadeVxlan(x, "198.19.3.7");
});

test("a member's frames reach the container, and its answers come back", async () => {
  assert.is(await reached(m, "m1"), 5);
  assert.ok(from("m1").every((l) => l.startsWith(`${S.nodes.n2!.gateway} `)));
  assert.ok(await ping(m.run, A), "m -> a and back");
});

test("a non-member's frames with the cluster's VNI are dropped before they reach anything, and counted", async () => {
  const before = await drops();
  assert.ok(before >= 0, "the counter exists");
  assert.is(await reached(x, "x1"), 0);
  assert.ok((await drops()) >= before + 5, `drops ${before} -> ${await drops()}`);
  assert.is(await reached(m, "m2"), 5, "the member still gets through");
});

test("a full reconcile logs the drops; the counted packets do not make it reload the table", async () => {
  log.length = 0;
  assert.equal(await dp.reconcile(desired(S)), []);
  assert.ok(log.some((l) => /^dropped \d+ VXLAN packets from outside the cluster/.test(l)), log.join("\n"));
  log.length = 0;
  assert.equal(await dp.reconcile(desired(S)), []);
  assert.equal(log, [], "nothing new dropped, nothing logged");
});

test("without ovl's table (deleted by hand) the same frames reach the container: the periodic reconcile closes the port again", async () => {
  await n1.run("nft", ["delete", "table", "ip", "ovl"]);
  assert.is(await reached(x, "x2"), 5, "the hole the filter closes");
  assert.equal(ops(await dp.reconcile(desired(S))), ["nft-load"]);
  assert.is(await reached(x, "x3"), 0);
});

test("a node joining at x's address is accepted from its join event's reconcile on, still while lost, no more once released", async () => {
  const joined = given([join("n3", x.ip)], S);
  assert.ok(ops(await dp.reconcile(desired(joined), { full: false })).includes("nft-load"), "an event's reconcile reloads the set");
  assert.is(await reached(x, "x4"), 5);
  const lost = given([{ type: "LoseNode", data: { node: "n3", lastSeen: null } }], joined);
  assert.not.ok(ops(await dp.reconcile(desired(lost), { full: false })).includes("nft-load"), "losing a node leaves the set as it is");
  assert.is(await reached(x, "x5"), 5, "a lost node coming back is not refused");
  const released = given([{ type: "ReleaseNode", data: { node: "n3" } }], lost);
  assert.ok(ops(await dp.reconcile(desired(released), { full: false })).includes("nft-load"));
  assert.is(await reached(x, "x6"), 0);
  assert.is(await reached(m, "m3"), 5);
});

test("a container of the node cannot send to a member's VXLAN port (it would leave masqueraded as a member); without the table its packets leave", async () => {
  // m counts what arrives at its VXLAN port carrying the test's mark ("ovlx" first in the payload).
  await m.run("nft", ["add", "table", "ip", "probe"]);
  await m.run("nft", ["add", "chain", "ip", "probe", "input", "{ type filter hook input priority filter; policy accept; }"]);
  await m.run("nft", ["add", "rule", "ip", "probe", "input", "udp", "dport", "4789", "@th,64,32", "0x6f766c78", "counter"]);
  const arrived = async () => Number(/counter packets (\d+)/.exec((await m.run("nft", ["list", "table", "ip", "probe"])).stdout)?.[1] ?? -1);
  const before = await drops();
  await send(a.run, "ovlx", 5, m.ip, 4789);
  assert.ok((await drops()) >= before + 5, "dropped and counted on the way out");
  assert.is(await arrived(), 0);
  await n1.run("nft", ["delete", "table", "ip", "ovl"]);
  await send(a.run, "ovlx", 5, m.ip, 4789);
  await until("the datagrams at m", 2000, async () => (await arrived()) === 5);
  assert.equal(ops(await dp.reconcile(desired(S))), ["nft-load"]);
});

test.run();
