/**
 * The whole agent on a real node: nats-server, the agent with LinuxDockerRuntime (real
 * dockerd and kernel dataplane in a throwaway namespace), the test responder deciding with
 * the domain. `run` -> the container runs, wired, and ContainerRunning is recorded; a
 * restarted agent changes nothing; `leave` -> containers and dataplane gone, NodeLeft.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { NatsConnection } from "nats";
import { ensureStreams } from "@ovl/broker-setup";
import { LinuxDockerRuntime, createKernelDataplane, runAgent, type AgentHandle } from "@ovl/node-agent";
import { Scope, inNetns, sh } from "../support/netns.js";
import { startDocker, TEST_IMAGE, type TestDocker } from "../support/docker.js";
import { startNats, type TestNats } from "../support/nats.js";
import { Responder, waitFor } from "./agent-responder.js";

const test = suite("node agent: whole agent with Docker");
const ctx = {} as { scope: Scope; ns: string; td: TestDocker; srv: TestNats; nc: NatsConnection; responder: Responder; dir: string };

async function startAgent(): Promise<AgentHandle> {
  const kernel = createKernelDataplane({ stateDir: join(ctx.dir, "kernel"), run: inNetns(ctx.ns) });
  const runtime = new LinuxDockerRuntime({ kernel, docker: ctx.td.docker, underlayIface: "ul0", node: "n1" });
  return runAgent({ nc: ctx.nc, node: "n1", underlayIp: "198.18.8.2", lanMtu: 1500, stateDir: ctx.dir, runtime, heartbeatMs: 500, reconcileMs: 1000 });
}

test.before(async () => {
  ctx.scope = new Scope();
  ctx.dir = mkdtempSync(join(tmpdir(), "ovl-docker-agent-"));
  ctx.ns = await ctx.scope.netns("da");
  const run = inNetns(ctx.ns);
  await run("ip", ["link", "add", "ul0", "type", "veth", "peer", "name", "ul0p"]);
  await run("ip", ["addr", "add", "198.18.8.2/24", "dev", "ul0"]);
  await run("ip", ["link", "set", "ul0", "up"]);
  await run("ip", ["link", "set", "ul0p", "up"]);
  ctx.td = await startDocker(ctx.ns, ctx.scope.tag, 19);
  ctx.scope.defer(() => ctx.td.stop());
  ctx.scope.defer(() => createKernelDataplane({ stateDir: join(ctx.dir, "kernel"), run }).teardown());
  ctx.srv = await startNats();
  ctx.scope.defer(() => ctx.srv.stop());
  ctx.nc = await ctx.srv.connect();
  ctx.scope.defer(() => ctx.nc.close());
  await ensureStreams(await ctx.nc.jetstreamManager());
  ctx.responder = new Responder(ctx.nc);
  ctx.responder.listen();
  await ctx.responder.command("CreateCluster", { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 4242, vxlanPort: 4789, mtu: 1450 });
});

test.after(async () => {
  try {
    ctx.responder?.stop();
    await ctx.scope?.close();
  } finally {
    rmSync(ctx.dir, { recursive: true, force: true });
  }
});

test("run -> running and wired; restart changes nothing; leave -> torn down and left", async () => {
  let h = await startAgent();
  try {
    await ctx.responder.command("StartContainer", { name: "web", node: "n1", image: TEST_IMAGE, cmd: [], ports: [{ host: 18081, container: 80, proto: "tcp" }] });
    await waitFor("ContainerRunning recorded", () => ctx.responder.state.nodes.n1?.containers.web?.state === "running", 20_000);
    const pid = (await ctx.td.docker.getContainer("ovl-web").inspect()).State.Pid;
    await sh("nsenter", ["-t", String(pid), "-n", "busybox", "ping", "-c", "1", "-W", "2", "198.19.0.1"]);
    const nft = (await inNetns(ctx.ns)("nft", ["list", "table", "ip", "ovl"])).stdout;
    assert.match(nft, /dport 18081 dnat to 198\.19\.0\.2:80/);
    await h.stop();
    const seq = ctx.responder.last;
    h = await startAgent();
    await waitFor("caught up", () => h.seq() >= seq);
    await new Promise((r) => setTimeout(r, 1500));
    assert.is(ctx.responder.last, seq, "no new event");
    assert.is((await ctx.td.docker.getContainer("ovl-web").inspect()).State.Pid, pid, "the container was not restarted");
    await ctx.responder.command("LeaveNode", { node: "n1" });
    assert.is(await h.done, "left");
    assert.is(ctx.responder.state.nodes.n1?.status, "left");
    assert.equal(await ctx.td.docker.listContainers({ all: true, filters: { label: ["ovl.managed=true"] } }), []);
    assert.not.ok(await inNetns(ctx.ns)("ip", ["link", "show", "ovl-br"]).then(() => true, () => false));
  } finally {
    await h.stop();
  }
});

test.run();
