/**
 * The control-plane launcher and the teardown paths, with the real broker and a stand-in
 * for `ovl` (a node process that idles and records nothing): where each process runs
 * (namespace), with what argv and environment, that the broker on 198.18.0.1:4222 answers
 * from inside a node, that a second `up` is refused, that `down` works without a state
 * file, and that a failed `up` is rolled back. No dockerd here (infra.e2e covers it).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { LabError, inNode, isAlive, labDown, labStatus, labUp, stateFile, type ProcRecord } from "@ovl/lab";
import { hostSnapshot, isRoot, labSuite, withTimeout } from "../support/lab.js";

const { dir, before } = labSuite(test, "ovl-lab-ctl-");
const STANDIN = [process.execPath, "-e", "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1e6)"];
const base = { dir, docker: false, ensurePackages: false, ovlCommand: STANDIN } as const;

const netnsOf = (pid: number) => readlinkSync(`/proc/${pid}/ns/net`);
const nsInode = (ns: string) => `net:[${statSync(`/run/netns/${ns}`).ino}]`;
const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
const one = (procs: readonly ProcRecord[], role: string, node?: string) => procs.find((p) => p.role === role && p.node === node)!;

const NATS_PROBE = `const s=require('net').connect(4222,'198.18.0.1');s.setTimeout(3000,()=>process.exit(2));s.once('data',d=>{console.log(String(d).split(' ')[0]);process.exit(0)});s.on('error',()=>process.exit(1))`;

test("broker, coordinator and agents: placement, argv, environment; second up refused; down stops them", async () => {
  if (!isRoot()) return console.log("    skipped: needs root");
  const info = await withTimeout("labUp", 60_000, labUp({ ...base, nodes: 2 }));
  const procs = info.procs;
  assert.equal(procs.map((p) => `${p.role}${p.node ?? ""}`), ["broker", "coordinator", "agentn1", "agentn2"]);
  const coord = one(procs, "coordinator");
  assert.is(netnsOf(coord.pid), readlinkSync("/proc/self/ns/net"), "coordinator in the root namespace");
  assert.equal(cmdline(coord.pid).slice(-1), ["coordinator"]);
  for (const node of info.nodes) {
    const agent = one(procs, "agent", node.name);
    assert.is(netnsOf(agent.pid), nsInode(node.ns), `agent ${node.name} inside ${node.ns}`);
    assert.equal(cmdline(agent.pid).slice(-5), ["agent", "--node", node.name, "--ip", node.lanIp]);
    assert.ok(environ(agent.pid).includes(`DOCKER_HOST=${node.dockerHost}`));
    assert.ok(environ(agent.pid).includes("OVL_NATS_URL=nats://198.18.0.1:4222"));
    assert.ok(environ(agent.pid).some((e) => e.startsWith("OVL_NATS_CREDS=") && e.endsWith(`/creds/agent-${node.name}.creds`)), `agent ${node.name} joins with its own identity`);
    const probe = await inNode(node.name, [process.execPath, "-e", NATS_PROBE], { timeoutMs: 10_000 });
    assert.is(probe.stdout.trim(), "INFO", `broker answers from ${node.name}`);
  }
  try {
    await labUp({ ...base, nodes: 1 });
    assert.unreachable("second up must be refused");
  } catch (err) {
    assert.instance(err, LabError);
    assert.is((err as LabError).code, "LAB_EXISTS");
  }
  assert.ok(labStatus({ dir }).procs.every((p) => p.alive), "the refused up changed nothing");
  assert.equal((await labDown({ dir })).warnings, []);
  assert.ok(procs.every((p) => !isAlive(p)), "every recorded process stopped");
  assert.equal(await hostSnapshot(dir), before());
});

test("down without a state file removes lab namespaces and links found by name", async () => {
  if (!isRoot()) return console.log("    skipped: needs root");
  await labUp({ ...base, nodes: 2, startControlPlane: false });
  rmSync(stateFile(dir));
  const report = await labDown({ dir });
  assert.equal(report.namespaces.sort(), ["ovl-lab-n1", "ovl-lab-n2"]);
  assert.equal(report.warnings, []);
  assert.equal(await hostSnapshot(dir), before());
});

test("a failed up is rolled back", async () => {
  if (!isRoot()) return console.log("    skipped: needs root");
  try {
    await labUp({ ...base, nodes: 1, ovlCommand: ["/nonexistent/ovl"] });
    assert.unreachable("up with a missing ovl command must fail");
  } catch (err) {
    assert.instance(err, LabError);
    assert.match((err as Error).message, /could not start coordinator/);
  }
  assert.not.ok(labStatus({ dir }).up);
  assert.equal(await hostSnapshot(dir), before(), "broker stopped, namespace and bridge removed");
});

test("bad input changes nothing", async () => {
  for (const opts of [{ nodes: 0 }, { nodes: 21 }, { dir: "relative" }]) {
    try {
      await labUp({ ...base, ...opts });
      assert.unreachable();
    } catch (err) {
      assert.is((err as LabError).code, "INVALID_INPUT");
    }
  }
  await assert.throws(() => inNode("n1; reboot", ["true"]), /invalid lab node/);
  assert.equal(await hostSnapshot(dir), before());
});

test.run();
