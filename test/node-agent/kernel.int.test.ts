/**
 * The dataplane on a real kernel: a LAN in namespaces (bridge br0 in "lan"; nodes n1, n2 at
 * 198.18.0.11/.12 with FORWARD policy DROP and ip_forward 0, as dockerd and a real host leave
 * them; an "out" host at 198.18.0.1 that has no route to the overlay), "containers" that are
 * sleep processes in fresh namespaces, and a ClusterState made by the domain's decide/evolve.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { join as pathJoin } from "node:path";
import { macFor, vethNameFor, type ClusterState } from "@ovl/domain";
import { CommandError, createKernelDataplane, desiredDataplane, KernelError, TC_BLOCK, type KernelDataplane } from "@ovl/node-agent";
import { dumpNode, makeLan, ping, startContainer, startWhoami, whoami, type LanHost } from "../support/netns.js";
import { CLUSTER, given, join, start } from "./kernel-given.js";
import { SYSCTLS, dataplaneOn } from "./kernel-bed.js";
import { kernelSuite } from "./kernel-suite.js";
import { stopProcess } from "@ovl/host";

let n1: LanHost, n2: LanHost, out: LanHost;
let dp1: KernelDataplane, dp2: KernelDataplane;
let dir1: string;
let before: Record<string, Record<string, string>> = {};
let state: ClusterState;
const ctr: Record<string, Awaited<ReturnType<typeof startContainer>>> = {};
const log: string[] = [];

const S1 = given([
  CLUSTER,
  join("n1", "198.18.0.11"),
  join("n2", "198.18.0.12"),
  start("a", "n1", [{ host: 8080, container: 80, proto: "tcp" }]),
  start("b", "n1"),
  start("c", "n2"),
]);
const ip = (name: string) => Object.values(state.nodes).flatMap((n) => Object.values(n.containers)).find((c) => c.name === name)!.ip;
const desired = (node: string) => desiredDataplane(state, node, { underlayIface: "lan0" })!;
function attachSpec(name: string, node: string) {
  const d = desired(node);
  return { pid: ctr[name]!.pid, ip: ip(name), mac: macFor(ip(name)), veth: vethNameFor(ip(name)), gateway: d.node.gateway, clusterPrefix: d.cluster.prefix, mtu: d.cluster.mtu, fastPath: true };
}
async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof KernelError && err.code === code, `expected a KernelError ${code}, got ${String(err)}`);
}
const text = async (h: LanHost, cmd: string, argv: string[]) => (await h.run(cmd, argv)).stdout;

const { scope } = kernelSuite(test, async (suite) => {
  const hosts = await makeLan(suite.scope, [
    { name: "n1", ip: "198.18.0.11" },
    { name: "n2", ip: "198.18.0.12" },
    { name: "out", ip: "198.18.0.1" },
  ]);
  [n1, n2, out] = [hosts.n1!, hosts.n2!, hosts.out!];
  for (const h of [n1, n2]) {
    const name = h === n1 ? "n1" : "n2";
    const bed = await dataplaneOn(h, { prefix: "ovl-kernel-", bed: suite, log: (l) => log.push(`${name} ${l}`) });
    before[h.ns] = bed.before;
    if (h === n1) [dp1, dir1] = [bed.dp, bed.dir];
    else dp2 = bed.dp;
  }
  for (const name of ["a", "b", "c"]) ctr[name] = await startContainer(suite.scope);
  state = S1;
});

test("reconcile builds bridge, vxlan, peers and rules on both nodes; containers attach", async () => {
  assert.ok((await dp1.reconcile(desired("n1"))).length > 10);
  assert.ok((await dp2.reconcile(desired("n2"))).length > 10);
  for (const [name, node] of [["a", "n1"], ["b", "n1"], ["c", "n2"]] as const) {
    assert.is(await (node === "n1" ? dp1 : dp2).attachContainer(attachSpec(name, node)), "attached");
  }
  const br = JSON.parse(await text(n1, "ip", ["-j", "-d", "addr", "show", "ovl-br"]))[0];
  assert.equal(br.addr_info.filter((a: { family: string }) => a.family === "inet").map((a: { local: string; prefixlen: number }) => `${a.local}/${a.prefixlen}`), ["198.19.0.1/18"]);
  assert.is(br.address, macFor("198.19.0.1"));
  assert.is(br.linkinfo.info_data.nf_call_iptables, 0);
  const vx = JSON.parse(await text(n1, "ip", ["-j", "-d", "link", "show", "ovl-vx"]))[0];
  assert.equal([vx.linkinfo.info_data.id, vx.linkinfo.info_data.port, vx.linkinfo.info_data.local, vx.linkinfo.info_data.learning, vx.linkinfo.info_data.proxy, vx.master], [42, 4789, "198.18.0.11", false, true, "ovl-br"]);
  assert.match(await text(n1, "ip", ["route", "show", "198.19.0.0/18"]), "dev ovl-br");
  assert.is((await text(n1, "sysctl", ["-n", "net.ipv4.ip_forward"])).trim(), "1");
  assert.match(await ctr.a!.run("ip", ["-o", "addr", "show", "eth0"]).then((r) => r.stdout), `inet ${ip("a")}/18`);
});

test("container to container on one node and across nodes, to remote gateway", async () => {
  assert.ok(await ping(ctr.a!.run, ip("b")), "a -> b (same node)");
  assert.ok(await ping(ctr.a!.run, ip("c")), "a -> c (across nodes)");
  assert.ok(await ping(ctr.c!.run, ip("b")), "c -> b (across nodes)");
  assert.ok(await ping(ctr.a!.run, "198.19.1.1"), "a -> n2's gateway");
  assert.ok(await ping(n2.run, ip("a")), "n2 host -> a");
});

/** Packets a fast-path redirect toward `to` carried (tc's own counters), on ovl-vx's ingress or in the block. */
async function redirected(h: LanHost, where: "vx" | "block", to: string): Promise<number> {
  const argv = where === "vx" ? ["-s", "-j", "filter", "show", "dev", "ovl-vx", "ingress"] : ["-s", "-j", "filter", "show", "block", String(TC_BLOCK)];
  const rows = JSON.parse((await text(h, "tc", argv)) || "[]") as { options?: { actions?: { to_dev?: string; stats?: { packets?: number } }[] } }[];
  return rows.flatMap((r) => r.options?.actions ?? []).filter((a) => a.to_dev === to).reduce((n, a) => n + (a.stats?.packets ?? 0), 0);
}

test("the fast path carries cross-node packets past both bridges; without its filters the bridges do, until a full reconcile", async () => {
  await dp1.reconcile(desired("n1")); // the veths exist now: their part of the fast path is verified
  await dp2.reconcile(desired("n2"));
  const [out1, in2] = [await redirected(n1, "block", "ovl-vx"), await redirected(n2, "vx", vethNameFor(ip("c")))];
  assert.ok(await ping(ctr.a!.run, ip("c")), "a -> c");
  assert.ok((await redirected(n1, "block", "ovl-vx")) >= out1 + 1, "n1 sent a's echo request straight to ovl-vx");
  assert.ok((await redirected(n2, "vx", vethNameFor(ip("c")))) >= in2 + 1, "n2 handed it from ovl-vx straight to c's veth");
  const local = await redirected(n1, "block", "ovl-vx");
  assert.ok(await ping(ctr.a!.run, ip("b")), "a -> b, same node");
  assert.ok(await ping(ctr.a!.run, "198.19.0.1"), "a -> its gateway");
  assert.is(await redirected(n1, "block", "ovl-vx"), local, "traffic within the node's block stays on the bridge");
  // Drift: the filters deleted by hand. The bridge path still works; the periodic (full) reconcile restores them.
  await n1.run("tc", ["filter", "del", "block", String(TC_BLOCK)]);
  await n2.run("tc", ["qdisc", "del", "dev", "ovl-vx", "clsact"]);
  assert.ok(await ping(ctr.a!.run, ip("c")), "a -> c over the bridges");
  assert.equal(await dp1.reconcile(desired("n1"), { full: false }), [], "a light reconcile does not read tc while its inputs are unchanged");
  assert.equal((await dp1.reconcile(desired("n1"))).map((s) => s.op), ["tc-filter", "tc-filter"]);
  assert.equal((await dp2.reconcile(desired("n2"))).map((s) => s.op), ["tc-qdisc", "tc-filter"]);
  const again = await redirected(n2, "vx", vethNameFor(ip("c")));
  assert.ok(await ping(ctr.a!.run, ip("c")), "a -> c on the fast path again");
  assert.ok((await redirected(n2, "vx", vethNameFor(ip("c")))) > again);
});

test("a kernel without tc's u32 classifier: the reconcile says so once, does the rest, and leaves the bridge to carry everything", async () => {
  // The one fake here: this kernel has u32, so its refusal is played by the runner (tc's own words).
  const calls: string[][] = [];
  const lines: string[] = [];
  const refusing: typeof n1.run = (cmd, argv) => {
    if (cmd === "tc") calls.push([...argv]);
    if (cmd === "tc" && argv[0] === "filter" && argv[1] === "add") return Promise.reject(new CommandError([cmd, ...argv], 2, "Error: TC classifier not found.\nWe have an error talking to the kernel\n"));
    // The steps' batch (`tc -force -batch FILE`) is refused the same way, at its first filter add.
    const batch = cmd === "tc" && argv.includes("-batch") ? readFileSync(argv.at(-1)!, "utf8").split("\n") : [];
    const add = batch.findIndex((l) => l.startsWith("filter add"));
    if (add >= 0) return Promise.reject(new CommandError([cmd, ...argv], 1, `Error: TC classifier not found.\nWe have an error talking to the kernel\nCommand failed ${argv.at(-1)}:${add + 1}\n`));
    return n1.run(cmd, argv);
  };
  const dp = createKernelDataplane({ stateDir: dir1, run: refusing, log: (l) => lines.push(l) });
  await n1.run("tc", ["filter", "del", "block", String(TC_BLOCK)]);
  const steps = await dp.reconcile(desired("n1"));
  assert.equal(steps, [], "nothing of the fast path was applied, and the reconcile did not fail");
  assert.ok(lines.some((l) => l.startsWith("fast path off")), lines.join("\n"));
  calls.length = 0;
  assert.equal(await dp.reconcile(desired("n1")), []);
  assert.equal(calls, [], "it stops reading tc");
  assert.ok(await ping(ctr.a!.run, ip("c")), "a -> c over the bridges");
  assert.equal((await dp1.reconcile(desired("n1"))).map((s) => s.op), ["tc-filter", "tc-filter"], "a kernel that has it gets it back");
});

test("switched off (--no-fast-path) the filters go and the bridges carry cross-node packets; switched on again they return", async () => {
  const off = desiredDataplane(state, "n1", { underlayIface: "lan0", fastPath: false })!;
  assert.equal((await dp1.reconcile(off)).map((s) => s.op), ["tc-filter-del", "tc-filter-del", "tc-filter-del", "tc-filter-del"]);
  assert.is((await text(n1, "tc", ["filter", "show", "block", String(TC_BLOCK)])).trim(), "");
  assert.ok(await ping(ctr.a!.run, ip("c")), "a -> c over the bridges");
  assert.equal(await dp1.reconcile(off), []);
  assert.equal((await dp1.reconcile(desired("n1"))).length, 4, "two block filters, a's and b's on ovl-vx");
});

test("container to its host, to the other node's LAN address, and out through masquerade", async () => {
  assert.ok(await ping(ctr.a!.run, "198.19.0.1"), "a -> own gateway");
  assert.ok(await ping(ctr.a!.run, "198.18.0.11"), "a -> own host's LAN address");
  assert.ok(await ping(ctr.c!.run, "198.18.0.11"), "c -> other node's LAN address");
  await startWhoami(scope, ["ip", "netns", "exec", out.ns], 9000);
  assert.is(await whoami(ctr.a!.run, out.ip, 9000), "198.18.0.11", "the outside host sees node n1");
  assert.is(await whoami(ctr.c!.run, out.ip, 9000), "198.18.0.12", "the outside host sees node n2");
});

test("a published port is reached from the other node and from the node itself, 127.0.0.1 included", async () => {
  await startWhoami(scope, ["nsenter", "-t", String(ctr.a!.pid), "-n"], 80);
  assert.is(await whoami(n2.run, "198.18.0.11", 8080), "198.18.0.12");
  assert.is(await whoami(n1.run, "198.18.0.11", 8080), "198.18.0.11");
  assert.is(await whoami(n1.run, "127.0.0.1", 8080), "198.18.0.11", "on the node's own 127.0.0.1, as Docker's: SNAT to its LAN address");
  assert.is(await text(n1, "sysctl", ["-n", "net.ipv4.conf.ovl-br.route_localnet"]), "1\n");
  assert.is(await whoami(ctr.c!.run, "198.18.0.11", 8080), "198.18.0.12", "a remote container, masqueraded by n2");
});

test("isHostPortInUse sees the node's own listeners, not ovl's DNAT", async () => {
  assert.not.ok(await dp1.isHostPortInUse("tcp", 8080), "DNAT holds no socket");
  await startWhoami(scope, ["ip", "netns", "exec", n1.ns], 7000);
  assert.ok(await dp1.isHostPortInUse("tcp", 7000));
  assert.ok(await dp1.isHostPortInUse("tcp", 7000, "198.18.0.11"));
  assert.not.ok(await dp1.isHostPortInUse("udp", 7000));
  assert.not.ok(await dp2.isHostPortInUse("tcp", 7000), "another node");
  await rejectsWith(dp1.isHostPortInUse("tcp", 70000), "INVALID_INPUT");
});

test("reconcile and attach again change nothing", async () => {
  assert.equal(await dp1.reconcile(desired("n1")), []);
  assert.equal(await dp2.reconcile(desired("n2")), []);
  // An agent restart: a new instance over the same state dir keeps the original ip_forward (0), not ovl's 1.
  assert.equal(await createKernelDataplane({ stateDir: dir1, run: n1.run }).reconcile(desired("n1")), []);
  assert.equal(JSON.parse(readFileSync(pathJoin(dir1, "kernel-state.json"), "utf8")), { sysctls: { "net.ipv4.ip_forward": "0" }, createdDockerUser: true });
  assert.is(await dp1.attachContainer(attachSpec("a", "n1")), "unchanged");
  assert.is(await dp2.attachContainer(attachSpec("c", "n2")), "unchanged");
  assert.is((await text(n1, "iptables", ["-S", "DOCKER-USER"])).split("\n").filter((l) => l.includes("--comment ovl")).length, 3);
  await rejectsWith(dp1.attachContainer({ ...attachSpec("a", "n1"), pid: -1 }), "INVALID_INPUT");
});

test("a container restarted in a new namespace is wired again", async () => {
  await stopProcess(ctr.b!.proc, { graceMs: 2000 }); // its namespace, and the veth pair in it, die with it
  ctr.b = await startContainer(scope);
  assert.is(await dp1.attachContainer(attachSpec("b", "n1")), "attached");
  assert.ok(await ping(ctr.b!.run, ip("c")), "new b -> c");
  // The old namespace still alive (held open elsewhere): the pair is moved to the new one.
  const next = await startContainer(scope);
  assert.is(await dp1.attachContainer({ ...attachSpec("b", "n1"), pid: next.pid }), "attached");
  assert.not.match((await ctr.b!.run("ip", ["-o", "link"])).stdout, "eth0", "the old namespace lost its eth0");
  ctr.b = next;
  assert.ok(await ping(ctr.b!.run, ip("a")), "b in its newest namespace -> a");
});

test("a removed remote container and a lost node leave no neighbour or FDB entry behind", async () => {
  const cIp = ip("c");
  state = given([{ type: "RemoveContainer", data: { name: "c" } }], state);
  const steps = await dp1.reconcile(desired("n1"));
  assert.equal(steps.map((s) => s.op), ["neigh-del", "fdb-del"]);
  assert.not.match(await text(n1, "ip", ["neigh", "show", "dev", "ovl-vx"]), cIp);
  assert.not.match(await text(n1, "bridge", ["fdb", "show", "dev", "ovl-vx"]), macFor(cIp));
  assert.equal((await dp2.reconcile(desired("n2"))).map((s) => s.op), ["link-del", "tc-filter-del"], "n2 drops c's veth and its fast-path filter");
  assert.not.ok(await ping(ctr.a!.run, cIp, 1));
  state = given([{ type: "LoseNode", data: { node: "n2", lastSeen: null } }], state);
  await dp1.reconcile(desired("n1"));
  assert.is((await text(n1, "ip", ["neigh", "show", "dev", "ovl-vx"])).trim(), "");
  assert.is((await text(n1, "bridge", ["fdb", "show", "dev", "ovl-vx"])).split("\n").filter((l) => l.includes(" dst ")).length, 0);
});

test("teardown returns each node exactly to its state before ovl", async () => {
  for (const [dp, h] of [[dp1, n1], [dp2, n2]] as const) {
    await dp.teardown();
    await dp.teardown(); // a second teardown finds nothing and is fine
    assert.equal(await dumpNode(h.run, SYSCTLS), before[h.ns]);
  }
});

test.after(() => {
  if (process.env.OVL_KERNEL_LOG) console.log(log.join("\n"));
});

test.run();
