/**
 * Routing modes across two subnets of the lab LAN, end to end: 4 nodes, n4 behind the lab's
 * router on 198.18.1.0/24 (`ovl up --nodes 4 --routed-nodes 1`), n1-n3 on 198.18.0.0/24.
 * Run as root, under the e2e lock; about 2-3 minutes.
 *
 * Steps, in order (each a test; a later one needs the earlier ones):
 *   1. lab up without its control plane, each node's kernel dumped; n1 reaches n4's LAN
 *      address through the router
 *   2. a `--mode direct` cluster: n1 joins, n4's agent is refused (NOT_ON_LAN, naming both
 *      subnets) and ends; `ovl leave n1` restores n1; that control plane and its history go
 *   3. a cluster with no --mode (the default, auto): 4 nodes ready, `ovl nodes` shows PATH
 *      direct between n1-n3 and vxlan to and from n4
 *   4. a container on every node; every ordered pair pings; the VXLAN device's counters
 *      grow for the pairs with n4 only, and the kernel routes accordingly
 *   5. `ovl check`: 12 directions, all passed
 *   6. `ovl leave n4`: n4's kernel exactly as before it joined, the others forget it, the
 *      rest still reach each other
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { NodeRow, PsRow } from "@ovl/domain";
import { IMAGE, ROUTER, defaultOvlCommand, isAlive, type ControlArgs, type LabInfo } from "@ovl/lab";
import { noRoot } from "../support/lab.js";
import { labControl } from "../support/lab-control.js";
import { runningLab } from "../support/running-lab.js";
import { dumpDiff, kernelDump, pingStats, waitFor, type KernelDump } from "../support/overlay.js";

const log = (l: string) => console.log(`    ${l}`);
const VX = "ovl-vx";
const NAMES = ["n1", "n2", "n3", "n4"] as const;

const ctl = labControl("ovl-routing-e2e-");
const { dir, agents } = ctl;
let info: LabInfo | null = null;
const before = new Map<string, KernelDump>();
const ctr = new Map<string, PsRow>();
const { lab, nodeOf, ovl, docker, inNs } = runningLab(() => info);

/** The control plane of one phase: its own db and agent state dirs, so the next phase starts from nothing. */
const controlOf = (phase: string, mode: string[]): ControlArgs => ({
  ovlCommand: defaultOvlCommand(),
  coordinatorArgs: ctl.coordinatorArgs(phase, mode),
  agentArgs: (n) => ["agent", "--node", n.name, "--ip", n.lanIp, "--state-dir", join(dir, phase, n.name)],
});

function startAgents(c: ControlArgs, nodes: readonly string[]): void {
  for (const name of nodes) ctl.startAgent(name, c);
}

async function readyNodes(count: number): Promise<NodeRow[]> {
  return waitFor(`${count} nodes ready`, 90_000, async () => {
    const r = await ovl("nodes", "--json");
    const rows = r.code === 0 ? (JSON.parse(r.stdout) as NodeRow[]) : [];
    return rows.filter((x) => x.status === "ready" && x.subnet).length === count && rows;
  }, 500);
}

async function leave(node: string): Promise<void> {
  const r = await ovl("leave", node);
  assert.is(r.code, 0, r.stderr);
  const agent = agents.get(node)!;
  await waitFor(`the ${node} agent ends after leaving`, 45_000, async () => !isAlive(agent));
  await ctl.stop([agent]);
  const diff = dumpDiff(before.get(node)!, await kernelDump(nodeOf(node).ns));
  assert.equal(diff, [], `${node} differs from before it joined:\n${diff.join("\n")}`);
}

/** TX and RX packets of the VXLAN device in a node's namespace. */
async function vxCounters(node: string): Promise<{ tx: number; rx: number }> {
  const j = JSON.parse((await inNs(node, "ip", "-s", "-j", "link", "show", "dev", VX)).stdout) as { stats64: { tx: { packets: number }; rx: { packets: number } } }[];
  return { tx: j[0]!.stats64.tx.packets, rx: j[0]!.stats64.rx.packets };
}

async function ping(from: string, to: string, count = 3): Promise<void> {
  const c = ctr.get(from)!;
  const r = await docker(c.node, "exec", `ovl-${from}`, "ping", "-c", String(count), "-W", "1", ctr.get(to)!.ip);
  const p = pingStats(r.stdout);
  assert.ok(p.sent === count && p.received === count, `${from} -> ${to}: ${(r.stdout + r.stderr).trim()}`);
}

test.after(() => ctl.down());

test("1. lab up with n4 behind the router (no control plane), kernels dumped, n1 reaches n4's LAN address", async () => {
  if (noRoot()) return;
  info = await ctl.up({ nodes: 4, routedNodes: 1, locked: true });
  assert.equal(info.nodes.map((n) => [n.name, n.lanCidr, n.routed]), [
    ["n1", "198.18.0.11/24", false], ["n2", "198.18.0.12/24", false], ["n3", "198.18.0.13/24", false], ["n4", "198.18.1.14/24", true],
  ]);
  for (const n of info.nodes) before.set(n.name, await kernelDump(n.ns));
  const p = await inNs("n1", "busybox", "ping", "-c", "1", "-W", "2", nodeOf("n4").lanIp);
  assert.is(p.code, 0, `n1 -> n4's LAN address through ${ROUTER.lanIp}: ${p.stdout}${p.stderr}`);
  assert.match((await inNs("n4", "ip", "route", "get", nodeOf("n1").lanIp)).stdout, new RegExp(`via ${ROUTER.gateway.replaceAll(".", "\\.")} `), "n4 reaches n1 through the router");
});

test("2. direct: n4 (another subnet) is refused with NOT_ON_LAN and its agent ends; n1 leaves as it came", async () => {
  if (noRoot()) return;
  await ctl.startBroker();
  const direct = controlOf("direct", ["--mode", "direct", "--mtu", "1500"]);
  ctl.startCoordinator(direct);
  startAgents(direct, ["n1"]);
  await readyNodes(1);
  startAgents(direct, ["n4"]);
  const n4 = agents.get("n4")!;
  await waitFor("n4's agent ends on the refusal", 60_000, async () => !isAlive(n4));
  await ctl.stop([n4]);
  const agentLog = readFileSync(n4.log!, "utf8");
  assert.match(agentLog, /node n4 \(198\.18\.1\.14, LAN 198\.18\.1\.0\/24\) is not on the LAN subnet of node n1 \(198\.18\.0\.11, LAN 198\.18\.0\.0\/24\)/, agentLog);
  assert.match(agentLog, /--mode auto/);
  log(`n4 refused: ${agentLog.trim().split("\n").find((l) => l.includes("not on the LAN subnet"))}`);
  const rows = JSON.parse((await ovl("nodes", "--json")).stdout) as NodeRow[];
  assert.equal(rows.map((r) => [r.name, r.path]), [["n1", "direct"]]);
  assert.equal(dumpDiff(before.get("n4")!, await kernelDump(nodeOf("n4").ns)), [], "the refused node's kernel untouched");
  await leave("n1");
  // This cluster's control plane and history go; the next phase makes a new cluster.
  assert.equal(await ctl.stopAll(), []);
  rmSync(join(dir, "nats", "store"), { recursive: true, force: true });
});

test("3. no --mode (auto by default): 4 nodes ready; PATH direct among n1-n3, vxlan to and from n4", async () => {
  if (noRoot()) return;
  await ctl.startBroker();
  const auto = controlOf("auto", []);
  ctl.startCoordinator(auto);
  startAgents(auto, NAMES);
  const rows = await readyNodes(4);
  assert.equal(rows.map((r) => [r.name, r.path]), [["n1", "direct, vxlan to n4"], ["n2", "direct, vxlan to n4"], ["n3", "direct, vxlan to n4"], ["n4", "vxlan"]]);
  const table = await ovl("nodes");
  log(table.stdout.trim().split("\n").join("\n    "));
  assert.match(table.stdout, /\bPATH\b/);
  for (const n of lab().nodes) assert.match((await inNs(n.name, "ip", "-o", "link", "show", "ovl-br")).stdout, / mtu 1450 /, `${n.name}: auto keeps VXLAN's 50 bytes`);
});

test("4. a container per node: every pair pings both ways; only n4's pairs are encapsulated", async () => {
  if (noRoot()) return;
  for (const n of NAMES) {
    const r = await ovl("run", `c${n.slice(1)}`, "--node", n, "--image", IMAGE);
    assert.is(r.code, 0, r.stderr);
  }
  const ps = await waitFor("4 containers running", 60_000, async () => {
    const rows = JSON.parse((await ovl("ps", "--json")).stdout) as PsRow[];
    return rows.filter((r) => r.state === "running").length === 4 && rows;
  }, 500);
  ps.forEach((r) => ctr.set(r.name, r));
  const names = [...ctr.keys()].sort();
  for (const a of names) for (const b of names) if (a !== b) await ping(a, b, 1); // settle ARP and FDB first
  for (const a of names) {
    for (const b of names) {
      if (a === b) continue;
      const [na, nb] = [ctr.get(a)!.node, ctr.get(b)!.node];
      const [ca, cb] = [await vxCounters(na), await vxCounters(nb)];
      await ping(a, b, 5);
      const [da, db] = [await vxCounters(na), await vxCounters(nb)];
      const [tx, rx] = [da.tx - ca.tx, db.rx - cb.rx];
      if (na === "n4" || nb === "n4") assert.ok(tx >= 5 && rx >= 5, `${a} -> ${b} through VXLAN: ${na} sent ${tx}, ${nb} received ${rx} on ${VX}`);
      else assert.ok(tx === 0 && rx === 0, `${a} -> ${b} direct: ${na} sent ${tx}, ${nb} received ${rx} on ${VX}`);
    }
  }
  log("12 ordered pairs ping; VXLAN counters move for the 6 pairs with n4 only");
  const route = async (from: string, to: string) => (await inNs(from, "ip", "route", "get", ctr.get(to)!.ip)).stdout;
  assert.match(await route("n1", "c2"), new RegExp(`via ${nodeOf("n2").lanIp.replaceAll(".", "\\.")} dev eth0`));
  assert.match(await route("n1", "c4"), / dev ovl-br /);
  assert.match(await route("n4", "c1"), / dev ovl-br /);
  assert.match((await inNs("n1", "bridge", "fdb", "show", "dev", VX)).stdout, new RegExp(`dst ${nodeOf("n4").lanIp.replaceAll(".", "\\.")}`), "n1 has VXLAN entries toward n4");
  assert.not.match((await inNs("n1", "bridge", "fdb", "show", "dev", VX)).stdout, /dst 198\.18\.0\.1[23]\b/, "and none toward n2, n3");
});

test("5. ovl check: 12 directions, all passed", async () => {
  if (noRoot()) return;
  const r = await ovl("check");
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^check: 4 nodes, 12 directions: all passed/);
});

test("6. ovl leave n4: its kernel as before it joined, the others forget it and still reach each other", async () => {
  if (noRoot()) return;
  await leave("n4");
  await waitFor("n1-n3 forget n4 (no FDB entry toward 198.18.1.14)", 20_000, async () => {
    for (const n of ["n1", "n2", "n3"]) if ((await inNs(n, "bridge", "fdb", "show", "dev", VX)).stdout.includes(nodeOf("n4").lanIp)) return false;
    return true;
  });
  await ping("c1", "c3");
  await ping("c3", "c2");
});

test.run();
