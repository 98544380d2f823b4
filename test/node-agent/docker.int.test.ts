/**
 * LinuxDockerRuntime against a real dockerd (its own, in a throwaway namespace) and the real
 * kernel dataplane in that namespace: containers created with `--network none`, ovl's
 * labels and a restart policy, wired by PID; an unlabelled container never touched; stale
 * ones removed; failures reported with the reason and nothing left half made; a container
 * Docker restarts (crash, dockerd restart) wired again; one Docker no longer has reported
 * failed, not made again; teardown leaves no ovl container.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { decide, envelope, applyStored, emptyState, parseCommandData, vethNameFor, type ClusterState, type CommandType, type OvlCommand } from "@ovl/domain";
import { LinuxDockerRuntime, createKernelDataplane, type ContainerReport, type KernelDataplane } from "@ovl/node-agent";
import { Scope, inNetns, sh } from "../support/netns.js";
import { startDocker, TEST_IMAGE, type TestDocker } from "../support/docker.js";
import { waitFor } from "./agent-responder.js";
import { stopProcess } from "@ovl/host";

const test = suite("node agent: Docker runtime");
const ctx = {} as {
  scope: Scope; ns: string; td: TestDocker; kernel: KernelDataplane; runtime: LinuxDockerRuntime; state: ClusterState;
  dir: string; emitted: ContainerReport[]; unwatch: () => void; plainId: string; logs: string[];
};

function cmd<T extends CommandType>(type: T, data: unknown): void {
  const c = { type, data: parseCommandData(type, data), metadata: { now: new Date().toISOString(), requestId: "test-request" } } as OvlCommand;
  for (const e of decide(c, ctx.state)) ctx.state = applyStored(ctx.state, envelope(e, c.metadata.now));
}

const inNs = (argv: string[]) => sh("ip", ["netns", "exec", ctx.ns, ...argv]);
const pidOf = async (name: string) => (await ctx.td.docker.getContainer(`ovl-${name}`).inspect()).State.Pid;
async function eth0Of(pid: number): Promise<{ mac: string; addrs: string[] } | null> {
  const out = (await sh("nsenter", ["-t", String(pid), "-n", "ip", "-j", "addr", "show"])).stdout;
  const eth0 = (JSON.parse(out) as { ifname: string; address: string; addr_info: { family: string; local: string; prefixlen: number }[] }[]).find((l) => l.ifname === "eth0");
  return eth0 ? { mac: eth0.address, addrs: eth0.addr_info.filter((a) => a.family === "inet").map((a) => `${a.local}/${a.prefixlen}`) } : null;
}
const linkExists = (name: string) => inNs(["ip", "link", "show", name]).then(() => true, () => false);

test.before(async () => { try { await setup(); } catch (err) { console.error("SETUP FAILED", err); throw err; } });
async function setup(): Promise<void> {
  ctx.scope = new Scope();
  ctx.dir = mkdtempSync(join(tmpdir(), "ovl-docker-test-"));
  ctx.logs = [];
  ctx.emitted = [];
  ctx.ns = await ctx.scope.netns("dk");
  await inNs(["ip", "link", "add", "ul0", "type", "veth", "peer", "name", "ul0p"]);
  await inNs(["ip", "link", "set", "ul0p", "up"]);
  await inNs(["ip", "addr", "add", "198.18.7.2/24", "dev", "ul0"]);
  await inNs(["ip", "link", "set", "ul0", "up"]);
  ctx.td = await startDocker(ctx.ns, ctx.scope.tag);
  ctx.scope.defer(() => ctx.td.stop());
  ctx.kernel = createKernelDataplane({ stateDir: join(ctx.dir, "kernel"), run: inNetns(ctx.ns) });
  ctx.scope.defer(() => ctx.kernel.teardown());
  const log = (l: string) => void ctx.logs.push(l);
  ctx.runtime = new LinuxDockerRuntime({ kernel: ctx.kernel, docker: ctx.td.docker, underlayIface: "ul0", node: "n1", cluster: "test", log });
  ctx.unwatch = ctx.runtime.watch((r) => void ctx.emitted.push(r));
  ctx.scope.defer(async () => ctx.unwatch());
  ctx.state = emptyState;
  cmd("CreateCluster", { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 4242, vxlanPort: 4789, mtu: 1450 });
  cmd("JoinNode", { node: "n1", underlayIp: "198.18.7.2", agentVersion: "test" });
  cmd("JoinNode", { node: "n2", underlayIp: "198.18.7.3", agentVersion: "test" });
  cmd("StartContainer", { name: "web", node: "n1", image: TEST_IMAGE, cmd: [], ports: [] });
  cmd("StartContainer", { name: "far", node: "n2", image: TEST_IMAGE, cmd: [], ports: [] });
}

test.after(async () => {
  try {
    await ctx.scope?.close();
  } finally {
    rmSync(ctx.dir, { recursive: true, force: true });
  }
});

test("creates, starts and wires a container; reports it running", async () => {
  const reports = await ctx.runtime.sync(ctx.state, "n1");
  assert.equal(reports, [{ name: "web", ip: "198.19.0.2", state: "running" }]);
  const info = await ctx.td.docker.getContainer("ovl-web").inspect();
  assert.equal(info.Config.Labels, { "ovl.managed": "true", "ovl.cluster": "test", "ovl.node": "n1", "ovl.name": "web", "ovl.ip": "198.19.0.2" });
  assert.is(info.HostConfig.NetworkMode, "none");
  assert.is(info.HostConfig.RestartPolicy?.Name, "unless-stopped");
  // its resolver is the node's gateway, where the agent answers names (also with --network none)
  assert.equal(info.HostConfig.Dns, ["198.19.0.1"]);
  assert.match(readFileSync(`/proc/${info.State.Pid}/root/etc/resolv.conf`, "utf8"), /^nameserver 198\.19\.0\.1$/m);
  assert.equal(await eth0Of(info.State.Pid), { mac: "0a:58:c6:13:00:02", addrs: ["198.19.0.2/18"] });
  // the container reaches its gateway (the node's ovl-br)
  await sh("nsenter", ["-t", String(info.State.Pid), "-n", "busybox", "ping", "-c", "1", "-W", "2", "198.19.0.1"]);
  assert.ok(await linkExists(vethNameFor("198.19.0.2")));
});

test("a second sync changes nothing (same container, no reports, no kernel steps)", async () => {
  cmd("ReportContainer", { node: "n1", name: "web", ip: "198.19.0.2", state: "running" });
  const before = await pidOf("web");
  assert.equal(await ctx.runtime.sync(ctx.state, "n1"), []);
  assert.is(await pidOf("web"), before);
  assert.equal(await ctx.kernel.attachContainer({ pid: before, ip: "198.19.0.2", mac: "0a:58:c6:13:00:02", veth: vethNameFor("198.19.0.2"), gateway: "198.19.0.1", clusterPrefix: 18, mtu: 1450 }), "unchanged");
});

test("a sync an event triggers neither inspects nor re-checks a running container it wired; the periodic full sync does", async () => {
  const docker = ctx.td.docker;
  const original = docker.getContainer.bind(docker);
  let inspected = 0;
  // A spy on the real client: counts the inspects, changes nothing.
  docker.getContainer = ((id: string) => {
    const c = original(id);
    const inspect = c.inspect.bind(c) as () => Promise<unknown>;
    (c as unknown as { inspect: () => Promise<unknown> }).inspect = () => ((inspected += 1), inspect());
    return c;
  }) as typeof docker.getContainer;
  try {
    assert.equal(await ctx.runtime.sync(ctx.state, "n1", { full: false }), []);
    assert.is(inspected, 0, "light sync");
    assert.equal(await ctx.runtime.sync(ctx.state, "n1"), []);
    assert.is(inspected, 1, "full sync");
  } finally {
    docker.getContainer = original;
  }
});

test("containers without ovl's labels (or of another node) are never touched", async () => {
  // restart "always", so that it is back after the dockerd restart below, untouched
  const plain = await ctx.td.docker.createContainer({ Image: TEST_IMAGE, name: "plain", HostConfig: { NetworkMode: "none", RestartPolicy: { Name: "always" } } });
  await plain.start();
  const other = await ctx.td.docker.createContainer({ Image: TEST_IMAGE, name: "other-node", Labels: { "ovl.managed": "true", "ovl.node": "n9", "ovl.name": "x", "ovl.ip": "198.19.9.2" }, HostConfig: { NetworkMode: "none" } });
  await other.start();
  ctx.plainId = plain.id;
  await ctx.runtime.sync(ctx.state, "n1");
  for (const c of [plain, other]) assert.ok((await c.inspect()).State.Running, "still running");
  assert.is(await eth0Of((await plain.inspect()).State.Pid), null, "never wired");
  await other.remove({ force: true });
});

test("a container Docker restarts (its process killed) is wired again", async () => {
  const before = await pidOf("web");
  ctx.emitted.length = 0;
  process.kill(before, "SIGKILL");
  const after = await waitFor("web restarted by Docker and re-wired", async () => {
    const pid = await pidOf("web").catch(() => 0);
    return pid && pid !== before && (await eth0Of(pid).catch(() => null))?.addrs[0] === "198.19.0.2/18" ? pid : undefined;
  }, 20_000);
  assert.ok(after !== before);
  assert.ok(ctx.emitted.some((r) => r.state === "exited" && r.exitCode === 137), "the die was reported as an exit");
  await waitFor("running reported", () => ctx.emitted.some((r) => r.state === "running"));
});

test("after a dockerd restart the container comes back wired", async () => {
  const before = await pidOf("web");
  await ctx.td.restart();
  const after = await waitFor("web back after dockerd restart, wired", async () => {
    const pid = await pidOf("web").catch(() => 0);
    return pid && pid !== before && (await eth0Of(pid).catch(() => null))?.addrs[0] === "198.19.0.2/18" ? pid : undefined;
  }, 40_000);
  assert.ok(after > 0);
  const plain = await waitFor("the unlabelled container back", async () => {
    const i = await ctx.td.docker.getContainer(ctx.plainId).inspect();
    return i.State.Running ? i : undefined;
  }, 20_000);
  assert.is(await eth0Of(plain.State.Pid), null, "the unlabelled container is not wired");
});

test("a failure is reported with its reason and leaves nothing half made", async () => {
  cmd("StartContainer", { name: "ghost", node: "n1", image: "ovl-test/missing:1", cmd: [], ports: [] });
  const server = ctx.scope.spawn("ip", ["netns", "exec", ctx.ns, "busybox", "nc", "-l", "-p", "18080"]);
  await waitFor("a listener on 18080", () => ctx.kernel.isHostPortInUse("tcp", 18080));
  cmd("StartContainer", { name: "busy", node: "n1", image: TEST_IMAGE, cmd: [], ports: [{ host: 18080, container: 80, proto: "tcp" }] });
  const reports = await ctx.runtime.sync(ctx.state, "n1");
  const ghost = reports.find((r) => r.name === "ghost");
  const busy = reports.find((r) => r.name === "busy");
  assert.is(ghost?.state, "failed");
  assert.match(ghost?.reason ?? "", /image ovl-test\/missing:1 is not on this node and could not be pulled/);
  assert.is(busy?.state, "failed");
  assert.match(busy?.reason ?? "", /host port 18080\/tcp is already in use on node n1/);
  const names = (await ctx.td.docker.listContainers({ all: true })).flatMap((c) => c.Names);
  assert.not.ok(names.includes("/ovl-ghost") || names.includes("/ovl-busy"), "nothing half made");
  assert.not.ok(await linkExists(vethNameFor(ghost!.ip)));
  await stopProcess(server, { graceMs: 2000 });
  cmd("ReportContainer", { node: "n1", name: "ghost", ip: ghost!.ip, state: "failed", reason: ghost!.reason });
  cmd("ReportContainer", { node: "n1", name: "busy", ip: busy!.ip, state: "failed", reason: busy!.reason });
});

test("a container the state no longer holds is removed, with its veth", async () => {
  cmd("RemoveContainer", { name: "web" });
  ctx.emitted.length = 0;
  await ctx.runtime.sync(ctx.state, "n1");
  const list = await ctx.td.docker.listContainers({ all: true, filters: { label: ["ovl.node=n1"] } });
  assert.equal(list, []);
  assert.not.ok(await linkExists(vethNameFor("198.19.0.2")));
  await new Promise((r) => setTimeout(r, 300));
  assert.not.ok(ctx.emitted.some((r) => r.state === "exited"), "a removal is not reported as an exit");
  assert.ok((await ctx.td.docker.getContainer(ctx.plainId).inspect()).State.Running, "the unlabelled one still runs");
});

test("a container that ran and that Docker no longer has is reported failed with the reason, not made again", async () => {
  cmd("StartContainer", { name: "gone", node: "n1", image: TEST_IMAGE, cmd: ["sleep", "300"], ports: [] });
  const [started] = await ctx.runtime.sync(ctx.state, "n1");
  assert.equal([started?.name, started?.state], ["gone", "running"]);
  cmd("ReportContainer", { node: "n1", name: "gone", ip: started!.ip, state: "running" });
  await ctx.td.docker.getContainer("ovl-gone").remove({ force: true }); // behind ovl's back
  const reports = await ctx.runtime.sync(ctx.state, "n1");
  assert.equal(reports.map((r) => `${r.name}:${r.state}`), ["gone:failed"]);
  assert.match(reports[0]!.reason ?? "", /container ovl-gone is no longer in Docker on node n1/);
  const names = (await ctx.td.docker.listContainers({ all: true })).flatMap((c) => c.Names);
  assert.not.ok(names.includes("/ovl-gone"), "not made again");
  assert.not.ok(await linkExists(vethNameFor(started!.ip)));
  cmd("ReportContainer", { node: "n1", name: "gone", ip: started!.ip, state: "failed", reason: reports[0]!.reason });
  cmd("RemoveContainer", { name: "gone" });
});

test("teardown removes ovl's containers and the dataplane, nothing else", async () => {
  cmd("StartContainer", { name: "web2", node: "n1", image: TEST_IMAGE, cmd: ["sleep", "300"], ports: [] });
  assert.equal((await ctx.runtime.sync(ctx.state, "n1")).map((r) => `${r.name}:${r.state}`), ["web2:running"]);
  await ctx.runtime.teardown();
  assert.equal(await ctx.td.docker.listContainers({ all: true, filters: { label: ["ovl.managed=true"] } }), []);
  assert.not.ok(await linkExists("ovl-br"));
  assert.ok((await ctx.td.docker.getContainer(ctx.plainId).inspect()).State.Running);
});

test.run();
