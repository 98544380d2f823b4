/**
 * Wiring a container that was just started (`fresh`): the pair is made in two processes
 * without reading the wiring first, and every case that path cannot handle falls back to
 * the full check: a container already wired, a host end left over from an older namespace,
 * an eth0 ovl did not make. One node namespace; "containers" are sleep processes.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync } from "node:fs";
import { macFor, vethNameFor } from "@ovl/domain";
import { desiredDataplane, KernelError, type AttachSpec, type KernelDataplane } from "@ovl/node-agent";
import { ping, startContainer, type LanHost } from "../support/netns.js";
import { CLUSTER, given, join, start } from "./kernel-given.js";
import { loneNode } from "./lone-node.js";
import { kernelSuite } from "./kernel-suite.js";

let n1: LanHost;
let dir: string;
let dp: KernelDataplane;
const state = given([CLUSTER, join("n1", "198.18.0.11"), start("a", "n1"), start("b", "n1"), start("c", "n1")]);
const desired = desiredDataplane(state, "n1", { underlayIface: "lan0" })!;
const spec = (name: "a" | "b" | "c", pid: number, fresh = true): AttachSpec => {
  const ip = state.nodes.n1!.containers[name]!.ip;
  return { pid, ip, mac: macFor(ip), veth: vethNameFor(ip), gateway: desired.node.gateway, clusterPrefix: desired.cluster.prefix, mtu: desired.cluster.mtu, fresh };
};

const { scope } = kernelSuite(test, async (bed) => {
  ({ n1, dir, dp } = await loneNode(bed, "kernel-attach"));
  await dp.reconcile(desired);
});

test("a fresh container is wired: address, MAC, MTU, route, ARP retries, on the bridge; no batch file left", async () => {
  const a = await startContainer(scope);
  assert.is(await dp.attachContainer(spec("a", a.pid)), "attached");
  const eth0 = JSON.parse((await a.run("ip", ["-j", "addr", "show", "eth0"])).stdout)[0];
  assert.is(eth0.address, spec("a", a.pid).mac);
  assert.is(eth0.mtu, 1450);
  assert.ok(eth0.flags.includes("UP"));
  assert.equal(eth0.addr_info.filter((x: { family: string }) => x.family === "inet").map((x: { local: string; prefixlen: number }) => `${x.local}/${x.prefixlen}`), [`${spec("a", a.pid).ip}/18`]);
  assert.match((await a.run("ip", ["route", "show", "default"])).stdout, `via ${desired.node.gateway} dev eth0`);
  assert.match((await n1.run("ip", ["-o", "link", "show", spec("a", a.pid).veth])).stdout, "master ovl-br");
  assert.ok(await ping(a.run, desired.node.gateway), "a -> its gateway");
  // ARP retried every 100 ms on both ends of the segment, not every second (types.ts ARP_RETRANS_MS).
  assert.match((await a.run("ip", ["ntable", "show", "name", "arp_cache", "dev", "eth0"])).stdout, /retrans 100 /);
  assert.match((await n1.run("ip", ["ntable", "show", "name", "arp_cache", "dev", "ovl-br"])).stdout, /retrans 100 /);
  assert.equal(readdirSync(dir).filter((f) => f.endsWith(".batch")), []);
  // Already wired: the fast path cannot make the pair again, the full check says so.
  assert.is(await dp.attachContainer(spec("a", a.pid)), "unchanged");
});

test("fresh, but the host end survived with its peer in an older namespace: made again", async () => {
  const old = await startContainer(scope);
  assert.is(await dp.attachContainer(spec("b", old.pid)), "attached");
  const next = await startContainer(scope);
  assert.is(await dp.attachContainer(spec("b", next.pid)), "attached");
  assert.not.match((await old.run("ip", ["-o", "link"])).stdout, "eth0", "the old namespace lost its eth0");
  assert.ok(await ping(next.run, desired.node.gateway), "b in its new namespace -> gateway");
});

test("fresh, but the namespace has an eth0 ovl did not make: a conflict, nothing left behind", async () => {
  const c = await startContainer(scope);
  await c.run("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "other0"]);
  const err = await dp.attachContainer(spec("c", c.pid)).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof KernelError && err.code === "CONFLICT", String(err));
  assert.not.match((await n1.run("ip", ["-o", "link"])).stdout, spec("c", c.pid).veth, "no host end made");
});

test.run();
