/**
 * A node that comes back resumes, end to end on a 2-node lab (real dockerd per node,
 * nats-server, coordinator with a short --lost-after, agents and kernel). Run as root.
 *
 * Steps, in order (each a test; a later one needs the earlier ones):
 *   1. lab up, control plane (coordinator --lost-after 12), a1 on n1, b1 and b2 on n2, running
 *   2. n2's agent stopped past --lost-after: NodeLost, n1 drops n2's entries, b1 and b2 still
 *      talk to each other; the agent started again: NodeRecovered, n2 ready with the same
 *      block, b1 and b2 at the same addresses, the same Docker containers, reachable from n1
 *   3. the same with a reboot while the agent is down: n2's dockerd and containerd (and the
 *      containers' processes) killed by PID, Docker started again through the lab's code; its
 *      restart policy brings b1 and b2 back, and the agent wires them again
 *   4. `ovl release n2`, then the agent's return: a fresh join, the old containers removed
 * The lab (and every process this file started) comes down in test.after.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { OvlClient, readEvents } from "@ovl/client";
import type { NodeRow, PsRow, StoredEvent } from "@ovl/domain";
import { IMAGE, LAB_CLUSTER, defaultOvlCommand, isAlive, loadState, startNodeDocker, type ControlArgs, type LabInfo } from "@ovl/lab";
import { e2eClusterArgs, e2eMode, noRoot } from "../support/lab.js";
import { labControl } from "../support/lab-control.js";
import { runningLab } from "../support/running-lab.js";
import { pingStats, waitFor } from "../support/overlay.js";

const log = (l: string) => console.log(`    ${l}`);
const LOST_AFTER_S = 12;
const VX = "ovl-vx";
/** Routed directly (OVL_E2E_MODE direct or auto: the lab is one subnet), n1 holds one route for n2's block instead of VXLAN entries. */
const DIRECT = e2eMode() !== "vxlan";

const ctl = labControl("ovl-resume-e2e-");
const { dir, agents } = ctl;
let info: LabInfo | null = null;
let client: OvlClient | null = null;
const ctr = new Map<string, PsRow>();
let blockOfN2 = "";

const controlArgs: ControlArgs = {
  ovlCommand: defaultOvlCommand(),
  coordinatorArgs: ctl.coordinatorArgs("coordinator", ["--lost-after", String(LOST_AFTER_S), ...e2eClusterArgs(LAB_CLUSTER.mtu + 50)]),
  agentArgs: (n) => ["agent", "--node", n.name, "--ip", n.lanIp, "--state-dir", join(dir, n.name, "agent")],
};

const { lab, nodeOf, ovl, docker, inNs } = runningLab(() => info);

function startAgentOf(name: string): void {
  ctl.startAgent(name, controlArgs);
}

async function stopAgentOf(name: string): Promise<void> {
  assert.equal(await ctl.stop([agents.get(name)!], 10_000), [], `the ${name} agent stops on SIGTERM`);
}

async function history(): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const item of readEvents(client!.nc)) if (item.ok) out.push(item.event);
  return out;
}

/** The history of node n2 and its containers after sequence `from`, as "Type" or "Type name". */
async function n2History(from: number): Promise<string[]> {
  return (await history())
    .filter((e) => e.seq > from && (e.subject === "ovl.evt.node.n2" || e.subject.startsWith("ovl.evt.ctr.n2.")))
    .map((e) => ("name" in e.data ? `${e.type} ${e.data.name}` : e.type));
}

const lastSeq = async () => (await history()).at(-1)?.seq ?? 0;
const nodeRow = async (name: string): Promise<NodeRow | undefined> => (await client!.nodes()).find((r) => r.name === name);
const dockerId = async (node: string, name: string) => (await docker(node, "inspect", "-f", "{{.Id}}", `ovl-${name}`)).stdout.trim();
const dockerPid = async (node: string, name: string) => Number((await docker(node, "inspect", "-f", "{{.State.Pid}}", `ovl-${name}`)).stdout.trim());

async function ping(from: string, to: string, count = 3): Promise<{ sent: number; received: number; out: string }> {
  const r = await docker(ctr.get(from)!.node, "exec", `ovl-${from}`, "ping", "-c", String(count), "-W", "1", to);
  return { ...pingStats(r.stdout), out: (r.stdout + r.stderr).trim() };
}

async function assertPing(what: string, from: string, to: string): Promise<void> {
  const p = await waitFor(`${what}: ${from} -> ${to}`, 20_000, async () => {
    const r = await ping(from, to);
    return r.received === r.sent && r.sent === 3 && r;
  }, 500);
  log(`ok  ${what}: ${from} -> ${to} (${p.received}/${p.sent})`);
}

/** What n1 holds for n2: FDB entries toward n2's LAN address, neighbour entries for b1 and b2, a direct route via n2. */
async function n1EntriesForN2(): Promise<string[]> {
  const routes = (await inNs("n1", "ip", "route", "show", "proto", "111")).stdout.split("\n").filter((l) => l.includes(` via ${nodeOf("n2").lanIp} `));
  const fdb = (await inNs("n1", "bridge", "fdb", "show", "dev", VX)).stdout.split("\n").filter((l) => l.includes(`dst ${nodeOf("n2").lanIp} `) || l.endsWith(`dst ${nodeOf("n2").lanIp}`));
  const neigh = (await inNs("n1", "ip", "neigh", "show", "dev", VX)).stdout.split("\n").filter((l) => ["b1", "b2"].some((n) => l.startsWith(`${ctr.get(n)!.ip} `)));
  return [...fdb.map((l) => `fdb ${l}`), ...neigh.map((l) => `neigh ${l}`), ...routes.map((l) => `route ${l}`)];
}

/** Stops n2's agent and waits until the coordinator records n2 lost and n1 dropped its entries. */
async function loseN2(): Promise<number> {
  const from = await lastSeq();
  await stopAgentOf("n2");
  const t0 = Date.now();
  await waitFor("n2 recorded lost", (LOST_AFTER_S + 20) * 1000, async () => (await nodeRow("n2"))?.status === "lost", 500);
  log(`n2 lost ${Date.now() - t0} ms after its agent stopped`);
  assert.equal(await n2History(from), ["NodeLost"]);
  await waitFor("n1 drops n2's FDB and neighbour entries", 20_000, async () => (await n1EntriesForN2()).length === 0);
  return from;
}

/** Starts n2's agent again and checks the node resumed as it was: same block, containers, addresses. */
async function assertResumed(from: number, ids: Map<string, string>): Promise<void> {
  startAgentOf("n2");
  const row = await waitFor("n2 ready again", 90_000, async () => {
    const r = await nodeRow("n2");
    return r?.status === "ready" && r;
  }, 500);
  assert.is(row.subnet, blockOfN2, "the same block");
  for (const name of ["b1", "b2"]) {
    const r = await waitFor(`${name} running`, 30_000, async () => {
      const p = (await client!.ps()).find((x) => x.name === name);
      return p?.state === "running" && p;
    }, 500);
    assert.is(r.ip, ctr.get(name)!.ip, `${name} keeps its address`);
    assert.is(await dockerId("n2", name), ids.get(name), `${name} is the same Docker container`);
  }
  await waitFor("n1 has n2's entries again", 20_000, async () => (await n1EntriesForN2()).length >= (DIRECT ? 1 : 3));
  await assertPing("across nodes after n2 came back", "a1", ctr.get("b1")!.ip);
  await assertPing("across nodes after n2 came back", "a1", ctr.get("b2")!.ip);
  await assertPing("back toward n1", "b1", ctr.get("a1")!.ip);
  const events = await n2History(from);
  assert.equal(events.slice(0, 2), ["NodeLost", "NodeRecovered"], `history: ${events.join(", ")}`);
  assert.not.ok(events.some((e) => /^(ContainerStopped|NodeJoined|NodeLeft)/.test(e)), `nothing removed, no fresh join: ${events.join(", ")}`);
}

test.after(async () => {
  await client?.close().catch(() => {});
  await ctl.down();
});

test("1. lab up, coordinator with --lost-after 12, a1 on n1, b1 and b2 on n2: running", async () => {
  if (noRoot()) return;
  info = await ctl.up({ nodes: 2 });
  await ctl.startBroker();
  ctl.startCoordinator(controlArgs);
  for (const n of info.nodes) startAgentOf(n.name);
  client = await OvlClient.connect({ url: info.natsUrl, name: "resume-e2e", reconnect: true, requestDefaults: { timeoutMs: 5000 } });
  await waitFor("2 nodes ready with a subnet", 90_000, async () => (await client!.nodes()).filter((x) => x.status === "ready" && x.subnet).length === 2, 500);
  blockOfN2 = (await nodeRow("n2"))!.subnet!;
  for (const [name, node] of [["a1", "n1"], ["b1", "n2"], ["b2", "n2"]] as const) {
    const r = await ovl("run", name, "--node", node, "--image", IMAGE);
    assert.is(r.code, 0, `ovl run ${name}: ${r.stderr}`);
  }
  for (const row of await client.ps()) ctr.set(row.name, row);
  assert.equal([...ctr.values()].map((r) => `${r.name}:${r.state}`).sort(), ["a1:running", "b1:running", "b2:running"]);
  await assertPing("across nodes", "a1", ctr.get("b1")!.ip);
  log(`n2 ${blockOfN2}; ${[...ctr.values()].map((r) => `${r.name}@${r.node}=${r.ip}`).join(" ")}`);
});

test("2. n2's agent stopped past --lost-after: lost, peers drop it, its containers still talk; back: resumed as it was", async () => {
  if (noRoot()) return;
  lab();
  const ids = new Map([["b1", await dockerId("n2", "b1")], ["b2", await dockerId("n2", "b2")]]);
  const from = await loseN2();
  await assertPing("on n2 while it is lost", "b1", ctr.get("b2")!.ip);
  await assertResumed(from, ids);
});

test("3. a reboot while the agent is down (dockerd, containerd and the containers killed): resumed, containers wired again", async () => {
  if (noRoot()) return;
  lab();
  const ids = new Map([["b1", await dockerId("n2", "b1")], ["b2", await dockerId("n2", "b2")]]);
  const pids = new Map([["b1", await dockerPid("n2", "b1")], ["b2", await dockerPid("n2", "b2")]]);
  const from = await loseN2();
  // The machine goes down: Docker's daemons and the containers' processes, all started by this lab.
  const daemons = loadState(dir)!.procs.filter((p) => p.node === "n2" && (p.role === "dockerd" || p.role === "containerd") && isAlive(p));
  assert.is(daemons.length, 2, "n2's dockerd and containerd are recorded");
  for (const p of daemons) process.kill(p.pid, "SIGKILL");
  for (const pid of pids.values()) process.kill(pid, "SIGKILL");
  const supervisors = loadState(dir)!.procs.filter((p) => p.node === "n2" && p.role === "supervisor");
  await waitFor("n2's Docker down", 15_000, async () => ![...daemons, ...supervisors].some(isAlive));
  // ... and comes up: Docker starts again, its restart policy brings b1 and b2 back.
  await startNodeDocker(dir, "n2");
  for (const name of ["b1", "b2"]) {
    const pid = await waitFor(`${name} restarted by Docker`, 60_000, async () => {
      const p = await dockerPid("n2", name).catch(() => 0);
      return p > 0 && p !== pids.get(name) && p;
    }, 500);
    log(`${name}: pid ${pids.get(name)} before the reboot, ${pid} after`);
  }
  await assertResumed(from, ids);
});

test("4. `ovl release n2`, then the agent's return: a fresh join, the old containers removed", async () => {
  if (noRoot()) return;
  lab();
  const from = await loseN2();
  const r = await ovl("release", "n2");
  assert.is(r.code, 0, r.stderr);
  assert.equal((await client!.ps()).map((x) => x.name), ["a1"], "b1 and b2 are gone from ovl ps");
  startAgentOf("n2");
  await waitFor("n2 ready again", 90_000, async () => (await nodeRow("n2"))?.status === "ready", 500);
  await waitFor("n2's old containers removed from Docker", 30_000, async () => (await docker("n2", "ps", "-aq", "--filter", "label=ovl.managed=true")).stdout.trim() === "");
  const events = await n2History(from);
  assert.equal(events, ["NodeLost", "ContainerStopped b1", "ContainerStopped b2", "NodeLeft", "NodeJoined", "SubnetAssigned"]);
  assert.ok(isAlive(agents.get("n2")!), "the agent runs as a new node");
  await waitFor("n1 keeps no entry for the old b1 and b2", 20_000, async () => (await n1EntriesForN2()).filter((l) => l.startsWith("neigh")).length === 0);
});

test.run();
