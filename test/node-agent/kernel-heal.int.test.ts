/**
 * The dataplane next to a dockerd-made DOCKER-USER chain, healing drift, surviving an agent
 * restart, and tearing down from a half-broken state. One node namespace on a scratch LAN;
 * the peer n2 exists only in the cluster state (its FDB entries point at 198.18.0.12).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { join as pathJoin } from "node:path";
import { apply, ApplyError, createKernelDataplane, desiredDataplane, stateStore, type KernelDataplane, type Step } from "@ovl/node-agent";
import { dumpNode, type LanHost } from "../support/netns.js";
import { CLUSTER, given, join, start } from "./kernel-given.js";
import { loneNode } from "./lone-node.js";
import { kernelSuite } from "./kernel-suite.js";

let n1: LanHost;
let dir: string;
let dp: KernelDataplane;
let before: Record<string, string>;
const state = given([CLUSTER, join("n1", "198.18.0.11"), join("n2", "198.18.0.12"), start("x", "n2", [{ host: 80, container: 80, proto: "tcp" }]), start("y", "n1", [{ host: 8080, container: 80, proto: "tcp" }])]);
const desired = desiredDataplane(state, "n1", { underlayIface: "lan0" })!;
const ops = (steps: Step[]) => steps.map((s) => s.op);
const sh = async (argv: string[]) => (await n1.run(argv[0]!, argv.slice(1))).stdout;

kernelSuite(test, async (bed) => {
  ({ n1, dir, dp } = await loneNode(bed, "kernel-heal"));
  // What dockerd leaves: forwarding on, FORWARD DROP, its DOCKER chain and DOCKER-USER (RETURN, jumped to first).
  for (const argv of [["-N", "DOCKER"], ["-N", "DOCKER-USER"], ["-A", "DOCKER-USER", "-j", "RETURN"], ["-I", "FORWARD", "-j", "DOCKER-USER"], ["-P", "FORWARD", "DROP"]]) {
    await n1.run("iptables", argv);
  }
  await n1.run("sysctl", ["-q", "-w", "net.ipv4.ip_forward=1"]);
  before = await dumpNode(n1.run, ["net.ipv4.ip_forward"]);
});

test("Docker's DOCKER-USER is reused: ovl's rules go before its RETURN, nothing duplicated", async () => {
  const steps = await dp.reconcile(desired);
  assert.not.ok(ops(steps).includes("iptables-chain"));
  assert.not.ok(ops(steps).includes("sysctl"), "ip_forward was already 1");
  const rules = (await sh(["iptables", "-S", "DOCKER-USER"])).trim().split("\n");
  assert.is(rules.at(-1), "-A DOCKER-USER -j RETURN");
  assert.is(rules.filter((l) => l.includes("--comment ovl")).length, 3);
  assert.equal((await sh(["iptables", "-S", "FORWARD"])).split("\n").filter((l) => l.includes("DOCKER-USER")), ["-A FORWARD -j DOCKER-USER"]);
});

test("drift is healed with exactly the missing steps", async () => {
  await sh(["ip", "neigh", "del", "198.19.1.2", "dev", "ovl-vx"]);
  await sh(["nft", "delete", "table", "ip", "ovl"]);
  await sh(["iptables", "-D", "DOCKER-USER", "-i", "ovl-br", "-m", "comment", "--comment", "ovl", "-j", "ACCEPT"]);
  await sh(["ip", "link", "set", "ovl-br", "mtu", "1400"]);
  await sh(["ip", "link", "set", "ovl-vx", "nomaster"]);
  assert.equal(ops(await dp.reconcile(desired)), ["bridge-set", "link-set", "neigh-replace", "nft-load", "iptables-insert"]);
  assert.equal(await dp.reconcile(desired), []);
});

test("a restarted agent (new instance, same state dir) finds nothing to do", async () => {
  const again = createKernelDataplane({ stateDir: dir, run: n1.run });
  assert.equal(await again.reconcile(desired), []);
  assert.not.ok(existsSync(pathJoin(dir, "kernel-state.json")), "ovl changed no sysctl and made no chain: nothing to give back");
});

test("an incompatible VXLAN device is replaced and its peers programmed again", async () => {
  await sh(["ip", "link", "del", "ovl-vx"]);
  await sh(["ip", "link", "add", "ovl-vx", "type", "vxlan", "id", "7", "dstport", "4789", "local", "198.18.0.11", "dev", "lan0", "nolearning", "proxy"]);
  const steps = await dp.reconcile(desired);
  assert.equal(steps[0], { op: "link-del", name: "ovl-vx", why: "vni: 7 vs 42" });
  assert.match(await sh(["bridge", "fdb", "show", "dev", "ovl-vx"]), "dst 198.18.0.12 self permanent");
  assert.match(await sh(["ip", "-d", "link", "show", "ovl-vx"]), "vxlan id 42");
  assert.equal(await dp.reconcile(desired), []);
});

test("a failing batch is redone step by step, and the error names the entry that failed", async () => {
  const steps: Step[] = [
    { op: "fdb-replace", dev: "ovl-vx", mac: "0a:58:c6:13:3f:02", dst: "198.18.0.77" },
    { op: "fdb-replace", dev: "ovl-nope", mac: "0a:58:c6:13:3f:03", dst: "198.18.0.77" },
  ];
  const err = await apply({ run: n1.run, store: stateStore(dir), stateDir: dir, log: () => undefined }, steps).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ApplyError);
  assert.equal(err.applied, [steps[0]]);
  assert.equal(err.failures.map((f) => f.step), [steps[1]]);
  assert.match(err.message, "could not set fdb 0a:58:c6:13:3f:03 dst 198.18.0.77 on ovl-nope");
  assert.equal(ops(await dp.reconcile(desired)), ["fdb-del"], "the stray entry is planned away");
});

test("an event's reconcile (full: false) reads links, neighbours and FDB only (one ip and one bridge); a full one heals the firewall", async () => {
  const commands: string[] = [];
  const counted = createKernelDataplane({ stateDir: dir, run: (cmd, argv) => (commands.push(cmd), n1.run(cmd, argv)) });
  assert.equal(await counted.reconcile(desired), [], "a full reconcile: nothing to do");
  assert.equal(commands.sort(), ["bridge", "ip", "iptables", "nft", "tc"], "one process per tool: the fast path's qdiscs and filters are read too, and ovl's routes and sysctls in the ip batch");
  // An event's reconcile with nothing to do: two reads.
  commands.length = 0;
  assert.equal(await counted.reconcile(desired, { full: false }), []);
  assert.equal(commands.sort(), ["bridge", "ip"]);
  // A new container on n2 (an event): its neighbour and FDB entries.
  const more = desiredDataplane(given([start("z", "n2")], state), "n1", { underlayIface: "lan0" })!;
  commands.length = 0;
  assert.equal(ops(await counted.reconcile(more, { full: false })), ["fdb-replace", "neigh-replace"]);
  assert.not.ok(commands.some((c) => c === "iptables" || c === "nft" || c === "sysctl" || c === "tc"), `only links, neighbours and FDB read: ${commands.join(" ")}`);
  // Drift in the firewall is not seen by an event's reconcile, and healed by the next full one.
  await sh(["nft", "delete", "table", "ip", "ovl"]);
  assert.equal(await counted.reconcile(more, { full: false }), []);
  assert.equal(ops(await counted.reconcile(more)), ["nft-load"]);
  // New firewall inputs (a published port) are read and applied even in an event's reconcile.
  const ported = desiredDataplane(given([start("p", "n1", [{ host: 9090, container: 80, proto: "tcp" }])], given([start("z", "n2")], state)), "n1", { underlayIface: "lan0" })!;
  commands.length = 0;
  assert.ok(ops(await counted.reconcile(ported, { full: false })).includes("nft-load"));
  assert.ok(commands.includes("nft"), "the firewall was read: its inputs changed");
  assert.ok((await counted.reconcile(desired)).length > 0, "back to the first view");
  assert.equal(await counted.reconcile(desired), []);
});

test("teardown from a half-broken state leaves Docker's chain and the node as they were", async () => {
  await sh(["ip", "link", "del", "ovl-vx"]);
  await sh(["nft", "delete", "table", "ip", "ovl"]);
  await dp.teardown();
  assert.equal(await dumpNode(n1.run, ["net.ipv4.ip_forward"]), before);
});

test.run();
