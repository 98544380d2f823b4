/**
 * What one reconcile of a node's dataplane costs the agent's process: the child processes
 * it starts (by command) and how long it holds the event loop (perf_hooks
 * monitorEventLoopDelay, at 1 ms resolution), on a real kernel in throwaway namespaces.
 * The node has 3 containers (sleep processes, wired) and one network of its own; its peers
 * exist in the cluster state only (their entries are the node's to program). Half the peers
 * share its LAN subnet (auto mode: direct routes), half do not (VXLAN).
 *   node --import tsx bench/net/reconcile-spawns.ts [peers...]   # default: 3 12
 * Needs root; addresses 198.18.0.0/15 only; removes what it made.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { attachmentsOf, parseCidr, vethNameFor, type ContainerRecord } from "@ovl/domain";
import { createKernelDataplane, desiredDataplane, type KernelDataplane } from "@ovl/node-agent";
import { Scope, makeLan, startContainer } from "../../test/support/netns.js";
import { clusterWithPeers as clusterOf, counting, type CountingRunner } from "../../test/node-agent/kernel-peers.js";

async function measure(label: string, c: CountingRunner, f: () => Promise<unknown>): Promise<void> {
  c.reset();
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  const steps = await f();
  const ms = performance.now() - t0;
  h.disable();
  const by = [...c.counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ");
  const n = Array.isArray(steps) ? steps.length : 0;
  console.log(`${label.padEnd(34)} ${String(c.total()).padStart(3)} processes (${by}); ${n} steps; ${ms.toFixed(0)} ms, spawning ${c.spawnMs().toFixed(0)} ms; loop delay max ${(h.max / 1e6).toFixed(1)} ms p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms`);
}

async function one(peers: number): Promise<void> {
  const scope = new Scope();
  const dir = mkdtempSync(join(tmpdir(), "ovl-spawns-"));
  try {
    const { n1 } = await makeLan(scope, [{ name: "n1", ip: "198.18.0.11" }]);
    const host = n1!;
    await host.run("ip", ["route", "add", "198.18.1.0/24", "dev", "lan0"]);
    const c = counting(host.run);
    const dp: KernelDataplane = createKernelDataplane({ stateDir: dir, run: c.run });
    let state = clusterOf(peers);
    const desired = () => desiredDataplane(state, "n1", { underlayIface: "lan0" })!;
    console.log(`-- ${peers} peers`);
    await measure("first reconcile (build)", c, () => dp.reconcile(desired()));
    const rec = (name: string): ContainerRecord => state.nodes.n1!.containers[name]!;
    for (const name of ["a", "b", "c"]) {
      const ctr = await startContainer(scope);
      const d = desired();
      for (const [i, a] of attachmentsOf(rec(name)).entries()) {
        const net = d.networks?.find((x) => x.name === a.network);
        const common = { pid: ctr.pid, ip: a.ip, mac: a.mac, veth: vethNameFor(a.ip), mtu: d.cluster.mtu, ifname: `eth${i}`, defaultRoute: i === 0 };
        await dp.attachContainer(net ? { ...common, gateway: net.gateway, clusterPrefix: parseCidr(net.cidr).prefix, bridge: net.bridge.name } : { ...common, gateway: d.node.gateway, clusterPrefix: d.cluster.prefix, fastPath: true });
      }
    }
    await dp.reconcile(desired());
    for (let i = 0; i < 3; i++) await measure(`full reconcile, steady #${i + 1}`, c, () => dp.reconcile(desired()));
    for (let i = 0; i < 3; i++) await measure(`event reconcile, steady #${i + 1}`, c, () => dp.reconcile(desired(), { full: false }));
    state = clusterOf(peers, [{ type: "StartContainer", data: { name: "new", node: "p0", image: "busybox", cmd: [], ports: [], networks: ["ovl", "front"] } }]);
    await measure("event reconcile, a peer's container", c, () => dp.reconcile(desired(), { full: false }));
    state = clusterOf(peers, [{ type: "JoinNode", data: { node: "late", underlayIp: "198.18.1.99", agentVersion: "t", lanPrefix: 24 } }]);
    await measure("event reconcile, one peer joined", c, () => dp.reconcile(desired(), { full: false }));
    state = clusterOf(peers);
    await measure("event reconcile, one peer left", c, () => dp.reconcile(desired(), { full: false }));
    await dp.teardown();
  } finally {
    await scope.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length ? sizes : [3, 12]) await one(n);
