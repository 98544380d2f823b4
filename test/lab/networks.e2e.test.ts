/**
 * Networks kept apart, end to end on a 2-node lab (real dockerd per node, nats-server,
 * coordinator, agents and kernel), in the run's routing mode (OVL_E2E_MODE). Run as root,
 * under `flock /tmp/ovl-e2e.lock`.
 *
 * Steps, in order (each a test; a later one needs the earlier ones):
 *   1. lab up, kernel dumps, control plane; networks A, B and an internal I; a1 on A on n1,
 *      a2 on A on n2, b2 on B on n2, ab on A and B on n1, i1 on I on n1; an unknown network
 *      is refused (NETWORK_NOT_FOUND) with nothing appended
 *   2. within a network ping and TCP answer (across nodes); the container on both reaches both
 *   3. across networks nothing answers (ping, TCP, a published port's DNAT), and an nft probe
 *      on B's bridge of both nodes counts no packet from A while it counts B's own
 *   4. the internal network cannot reach the outside host; A can (through NAT)
 *   5. an agent restart changes nothing in its node's kernel
 *   6. `ovl leave n2` returns n2's kernel to exactly what it was before it joined
 * The lab (and every process this file started) comes down in test.after.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { OvlClient, lastSequence } from "@ovl/client";
import { vethNameFor, type NetworkRow, type PsRow } from "@ovl/domain";
import { IMAGE, LAB_CLUSTER, defaultOvlCommand, isAlive, type ControlArgs, type LabInfo } from "@ovl/lab";
import { e2eClusterArgs, e2eMode, noRoot } from "../support/lab.js";
import { labControl } from "../support/lab-control.js";
import { runningLab } from "../support/running-lab.js";
import { dumpDiff, kernelDump, pingStats, startOutsideServer, waitFor, type KernelDump, type OutsideServer } from "../support/overlay.js";

const log = (l: string) => console.log(`    ${l}`);
const OUTSIDE = "198.18.0.1";
const TCP_PORT = "7007";
const PROBE = "ovlprobe";

const ctl = labControl("ovl-networks-e2e-");
const dir = ctl.dir;
let info: LabInfo | null = null;
let client: OvlClient | null = null;
let outside: OutsideServer | null = null;
const before = new Map<string, KernelDump>();
const ctr = new Map<string, PsRow>();
const nets = new Map<string, NetworkRow>();

const controlArgs: ControlArgs = {
  ovlCommand: defaultOvlCommand(),
  coordinatorArgs: ctl.coordinatorArgs("coordinator", e2eClusterArgs(LAB_CLUSTER.mtu + 50)),
  agentArgs: (n) => ["agent", "--node", n.name, "--ip", n.lanIp, "--state-dir", join(dir, n.name, "agent")],
};

const { lab, nodeOf, ovl, docker, inNs } = runningLab(() => info);
const inCtr = (name: string, ...argv: string[]) => docker(ctr.get(name)!.node, "exec", `ovl-${name}`, ...argv);
/** A container's address on a network. */
const ipOn = (name: string, network: string): string => ctr.get(name)!.networks.find((n) => n.network === network)!.ip;
const bridgeOf = (network: string): string => `ovlb-${nets.get(network)!.vni}`;

async function pings(from: string, to: string, count = 3): Promise<number> {
  const r = await inCtr(from, "ping", "-c", String(count), "-W", "1", to);
  return pingStats(r.stdout).received;
}

/** An HTTP GET over TCP from a container to the httpd each listener runs; true when it answered (its hostname, /etc/hostname). */
async function tcp(from: string, to: string, port = TCP_PORT): Promise<boolean> {
  const r = await inCtr(from, "timeout", "3", "wget", "-q", "-O", "-", `http://${to}:${port}/hostname`);
  if (r.code !== 0) lastTcp = `${from} -> ${to}:${port}: exit ${r.code} ${r.stderr.trim()}`;
  return r.code === 0 && r.stdout.trim().length > 0;
}
/** Why the last TCP attempt failed, for the messages of the ones that must answer. */
let lastTcp = "";

/**
 * An nft probe on a node: counts IPv4 packets from each range that cross one of `ports` (B's
 * VXLAN device and veths, in the bridge family: frames bridged, delivered or sent on B's
 * segment) or are routed to or from B's bridge (the ip family, after the filter priority:
 * what ovl's rules let through, not what they drop in the same hook).
 */
async function probeOn(node: string, bridge: string, ports: readonly string[], ranges: Record<string, string>): Promise<void> {
  const rules = Object.entries(ranges).flatMap(([name, range]) => [
    `add counter bridge ${PROBE} ${name}`,
    `add counter ip ${PROBE} ${name}`,
    ...ports.flatMap((p) => [
      `add rule bridge ${PROBE} cfwd iifname "${p}" ip saddr ${range} counter name ${name}`,
      `add rule bridge ${PROBE} cfwd oifname "${p}" ip saddr ${range} counter name ${name}`,
      `add rule bridge ${PROBE} cin iifname "${p}" ip saddr ${range} counter name ${name}`,
      `add rule bridge ${PROBE} cout oifname "${p}" ip saddr ${range} counter name ${name}`,
    ]),
    `add rule ip ${PROBE} cfwd oifname "${bridge}" ip saddr ${range} counter name ${name}`,
    `add rule ip ${PROBE} cfwd iifname "${bridge}" ip saddr ${range} counter name ${name}`,
  ]);
  const script = [
    `add table bridge ${PROBE}`,
    `add chain bridge ${PROBE} cfwd { type filter hook forward priority -300; }`,
    `add chain bridge ${PROBE} cin { type filter hook input priority -300; }`,
    `add chain bridge ${PROBE} cout { type filter hook output priority 300; }`,
    `add table ip ${PROBE}`,
    `add chain ip ${PROBE} cfwd { type filter hook forward priority 300; }`,
    ...rules,
  ].join("\n");
  const r = await inNs(node, "sh", "-c", `printf '%s\\n' "$1" | nft -f -`, "sh", script);
  assert.is(r.code, 0, `probe on ${node}: ${r.stderr}`);
}

async function probeCount(node: string, name: string): Promise<number> {
  let total = 0;
  for (const family of ["bridge", "ip"]) {
    const r = await inNs(node, "nft", "list", "counter", family, PROBE, name);
    total += Number(/packets (\d+)/.exec(r.stdout)?.[1] ?? NaN);
  }
  return total;
}

const removeProbe = async (node: string) => {
  for (const family of ["bridge", "ip"]) await inNs(node, "nft", "delete", "table", family, PROBE);
};

test.after(async () => {
  await client?.close().catch(() => {});
  await outside?.close().catch(() => {});
  await ctl.down();
});

test("1. networks A, B and internal I; containers on them; an unknown network is refused with nothing appended", async () => {
  if (noRoot()) return;
  info = await ctl.up({ nodes: 2 });
  for (const n of info.nodes) before.set(n.name, await kernelDump(n.ns));
  await ctl.startBroker();
  ctl.startCoordinator(controlArgs);
  for (const n of info.nodes) ctl.startAgent(n.name, controlArgs);
  client = await OvlClient.connect({ url: info.natsUrl, name: "networks-e2e", reconnect: true, requestDefaults: { timeoutMs: 5000 } });
  await waitFor("2 nodes ready with a subnet", 90_000, async () => (await client!.nodes()).filter((x) => x.status === "ready" && x.subnet).length === 2, 500);
  for (const args of [["a"], ["b"], ["i", "--internal"]]) {
    const r = await ovl("network", "create", ...args);
    assert.is(r.code, 0, `network create ${args.join(" ")}: ${r.stderr}`);
  }
  for (const n of await client.networks()) nets.set(n.name, n);
  const seq = await lastSequence(client.nc);
  const refused = await ovl("run", "x", "--network", "nope", "--image", IMAGE);
  assert.is.not(refused.code, 0);
  assert.match(refused.stderr, /no network named nope/);
  assert.is(await lastSequence(client.nc), seq, "nothing appended");
  const runs: [string, string, string[]][] = [["a1", "n1", ["a"]], ["a2", "n2", ["a"]], ["b2", "n2", ["b"]], ["ab", "n1", ["a", "b"]], ["i1", "n1", ["i"]]];
  for (const [name, node, on] of runs) {
    const r = await ovl("run", name, "--node", node, "--image", IMAGE, ...on.flatMap((n) => ["--network", n]));
    assert.is(r.code, 0, `ovl run ${name}: ${r.stderr}`);
  }
  for (const row of await client.ps()) ctr.set(row.name, row);
  assert.equal(ctr.get("ab")!.networks.map((n) => n.network), ["a", "b"]);
  const ifs = (await inCtr("ab", "ip", "-o", "-4", "addr", "show")).stdout;
  assert.match(ifs, new RegExp(`eth0 .*inet ${ipOn("ab", "a").replaceAll(".", "\\.")}/`), ifs);
  assert.match(ifs, new RegExp(`eth1 .*inet ${ipOn("ab", "b").replaceAll(".", "\\.")}/`), ifs);
  for (const name of ["a2", "b2", "ab", "i1"]) {
    const r = await docker(ctr.get(name)!.node, "exec", "-d", `ovl-${name}`, "httpd", "-f", "-p", TCP_PORT, "-h", "/etc");
    assert.is(r.code, 0, `httpd in ${name}: ${r.stderr}`);
  }
  log(`a=${nets.get("a")!.cidr} b=${nets.get("b")!.cidr} i=${nets.get("i")!.cidr}; ${[...ctr.values()].map((c) => `${c.name}@${c.node}=${c.networks.map((n) => n.ip).join("+")}`).join(" ")}`);
});

test("2. within a network ping and TCP answer, across nodes; the container on both reaches both", async () => {
  if (noRoot()) return;
  lab();
  await waitFor("a1 reaches a2", 10_000, async () => (await pings("a1", ipOn("a2", "a"), 1)) === 1, 200);
  assert.is(await pings("a1", ipOn("a2", "a")), 3, "a1 -> a2 (A, n1 -> n2)");
  if (!(await tcp("a1", ipOn("a2", "a")))) {
    const listening = await inCtr("a2", "netstat", "-ltn");
    const local = await inCtr("a2", "timeout", "3", "wget", "-q", "-O", "-", `http://127.0.0.1:${TCP_PORT}/hostname`);
    assert.unreachable(`a1 -> a2 TCP: ${lastTcp}; a2 listens: ${listening.stdout.trim()} ${listening.stderr.trim()}; a2 to itself: ${local.code} ${local.stdout.trim()} ${local.stderr.trim()}`);
  }
  assert.is(await pings("ab", ipOn("a2", "a")), 3, "ab -> a2 over A");
  assert.is(await pings("ab", ipOn("b2", "b")), 3, "ab -> b2 over B");
  assert.ok(await tcp("ab", ipOn("b2", "b")), "ab -> b2 TCP over B");
  assert.ok(await tcp("b2", ipOn("ab", "b")), "b2 -> ab TCP over B");
  assert.is(await pings("a2", ipOn("ab", "a")), 3, "a2 -> ab over A");
});

test("3. across networks nothing answers, and B's bridges see no packet from A", async () => {
  if (noRoot()) return;
  lab();
  const [a, b] = [nets.get("a")!.cidr, nets.get("b")!.cidr];
  const vxB = `ovlx-${nets.get("b")!.vni}`;
  await probeOn("n1", bridgeOf("b"), [vxB, vethNameFor(ipOn("ab", "b"))], { from_a: a, from_b: b });
  await probeOn("n2", bridgeOf("b"), [vxB, vethNameFor(ipOn("b2", "b"))], { from_a: a, from_b: b });
  try {
    const targets = [ipOn("b2", "b"), ipOn("ab", "b"), await gatewayOf("n1", "b"), await gatewayOf("n2", "b"), ipOn("i1", "i")];
    for (const t of targets) {
      assert.is(await pings("a1", t, 2), 0, `a1 -> ${t} must not answer`);
      assert.not.ok(await tcp("a1", t), `a1 -> ${t} TCP must not answer`);
    }
    assert.is(await pings("b2", ipOn("a2", "a"), 2), 0, "b2 -> a2 must not answer");
    assert.not.ok(await tcp("b2", ipOn("a2", "a")), "b2 -> a2 TCP must not answer");
    assert.is(await pings("i1", ipOn("a1", "a"), 2), 0, "i1 -> a1 must not answer");
    // The probe works: B's own traffic is counted.
    assert.is(await pings("ab", ipOn("b2", "b")), 3);
    for (const n of ["n1", "n2"]) {
      assert.is(await probeCount(n, "from_a"), 0, `${n}: a packet from A on B's bridge`);
    }
    assert.ok((await probeCount("n1", "from_b")) + (await probeCount("n2", "from_b")) > 0, "the probe counts B's own packets");
  } finally {
    for (const n of ["n1", "n2"]) await removeProbe(n);
  }
});

async function gatewayOf(node: string, network: string): Promise<string> {
  const r = await inNs(node, "ip", "-o", "-4", "addr", "show", "dev", bridgeOf(network));
  return /inet (\d+\.\d+\.\d+\.\d+)\//.exec(r.stdout)![1]!;
}

test("4. the internal network has no way out; A reaches the outside host through NAT", async () => {
  if (noRoot()) return;
  lab();
  outside = await startOutsideServer(OUTSIDE);
  const seen = outside.peers.length;
  const r = await inCtr("a1", "sh", "-c", `echo hi | nc -w 3 ${OUTSIDE} ${outside.port}`);
  assert.match(r.stdout, /ok/, `a1 -> outside: ${r.stderr}`);
  assert.is(outside.peers[seen]?.replace(/^::ffff:/, ""), nodeOf("n1").lanIp, "masqueraded as n1");
  const i = await inCtr("i1", "sh", "-c", `echo hi | nc -w 3 ${OUTSIDE} ${outside.port}`);
  assert.not.match(i.stdout, /ok/, "i1 reached the outside");
  assert.is(await pings("i1", OUTSIDE, 2), 0, "i1 pings the outside");
  assert.is(await pings("i1", nodeOf("n1").lanIp, 2), 0, "i1 pings its node's LAN address");
  assert.is(outside.peers.length, seen + 1, "the outside saw a1 only");
});

test("5. an agent restart changes nothing in its node's kernel", async () => {
  if (noRoot()) return;
  lab();
  const dumpBefore = await kernelDump(nodeOf("n1").ns);
  assert.equal(await ctl.stop([ctl.agents.get("n1")!]), []);
  ctl.startAgent("n1", controlArgs);
  await waitFor("n1 ready again", 60_000, async () => (await client!.nodes()).find((n) => n.name === "n1")?.status === "ready", 500);
  await new Promise((r) => setTimeout(r, 3000)); // its first reconcile
  assert.equal(dumpDiff(dumpBefore, await kernelDump(nodeOf("n1").ns)), [], "the restart changed nothing on n1");
  assert.is(await pings("a1", ipOn("a2", "a")), 3, "a1 -> a2 after the restart");
});

test("6. ovl leave n2 returns its kernel to exactly what it was before it joined", async () => {
  if (noRoot()) return;
  lab();
  const leave = await ovl("leave", "n2");
  assert.is(leave.code, 0, leave.stderr);
  const agent = ctl.agents.get("n2")!;
  await waitFor("the n2 agent ends after leaving", 45_000, async () => !isAlive(agent));
  await ctl.stop([agent]);
  const diff = dumpDiff(before.get("n2")!, await kernelDump(nodeOf("n2").ns));
  assert.equal(diff, [], `n2 differs from before it joined:\n${diff.join("\n")}`);
});

test.run();
