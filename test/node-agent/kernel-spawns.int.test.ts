/**
 * How many processes a reconcile starts, on a real kernel: each one holds the agent's
 * event loop while it is forked, so the count must not grow with the cluster. A node with
 * 2 peers and one with 10 (kernel-peers.ts: direct and VXLAN peers, a network of its own)
 * are built, checked and changed; every count is the same for both, and a check reads with
 * one process per tool.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createKernelDataplane, desiredDataplane, type KernelDataplane } from "@ovl/node-agent";
import { makeLan, type LanHost } from "../support/netns.js";
import { clusterWithPeers, counting, type CountingRunner } from "./kernel-peers.js";
import { kernelSuite } from "./kernel-suite.js";

let host: LanHost;

const bed = kernelSuite(test, async ({ scope }) => {
  host = (await makeLan(scope, [{ name: "n1", ip: "198.18.0.11" }])).n1!;
  await host.run("ip", ["route", "add", "198.18.1.0/24", "dev", "lan0"]);
});

type Counts = Record<string, number>;
const snapshot = (c: CountingRunner): Counts => Object.fromEntries([...c.counts].sort());

/** The processes of: a build, a full and an event check, a peer joining, a peer leaving; then teardown. */
async function countsFor(peers: number): Promise<{ build: Counts; full: Counts; event: Counts; joined: Counts; left: Counts }> {
  const dir = bed.tempDir("ovl-spawns-");
  const c = counting(host.run);
  const dp: KernelDataplane = createKernelDataplane({ stateDir: dir, run: c.run });
  const desired = (extra: Parameters<typeof clusterWithPeers>[1] = []) => desiredDataplane(clusterWithPeers(peers, extra), "n1", { underlayIface: "lan0" })!;
  const step = async (f: () => Promise<unknown>): Promise<Counts> => (c.reset(), await f(), snapshot(c));
  try {
    const build = await step(() => dp.reconcile(desired()));
    assert.equal(await dp.reconcile(desired()), [], "built");
    const full = await step(() => dp.reconcile(desired()));
    const event = await step(() => dp.reconcile(desired(), { full: false }));
    const late = [{ type: "JoinNode" as const, data: { node: "late", underlayIp: "198.18.1.99", agentVersion: "t", lanPrefix: 24 } }];
    const joined = await step(() => dp.reconcile(desired(late), { full: false }));
    const left = await step(() => dp.reconcile(desired(), { full: false }));
    assert.equal(await dp.reconcile(desired()), [], "back to the first view");
    return { build, full, event, joined, left };
  } finally {
    await dp.teardown();
  }
}

test("a reconcile starts as many processes with 10 peers as with 2; a check is one per tool", async () => {
  const two = await countsFor(2);
  const ten = await countsFor(10);
  assert.equal(ten, two, "the same processes, whatever the number of peers");
  assert.equal(two.full, { bridge: 1, ip: 1, iptables: 1, nft: 1, tc: 1 }, "a full check");
  assert.equal(two.event, { bridge: 1, ip: 1 }, "an event's check");
});

test.run();
