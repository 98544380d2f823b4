/**
 * `ovl run`'s Docker options and the agent's logs/exec/inspect, on a real node: dockerd and
 * the kernel dataplane in a throwaway namespace, a nats-server with ovl's identities, the
 * agent as agent-n1, the test responder as the coordinator. A container made with env, a
 * named volume, a memory limit and a restart policy shows them in Docker's inspect; a file
 * written through exec survives `docker restart`; logs (also followed), an interactive TTY
 * exec with its exit code and inspect work through NATS for the operator; the viewer reads
 * logs and inspect (with the container's own events) and is refused exec. The TUI's logs
 * pane, as the viewer, follows the container from this agent and stops its stream when
 * closed or when the container leaves the cluster.
 */
import "../tui/dev-mode.js";
import React from "react";
import { render } from "ink-testing-library";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { NatsConnection } from "nats";
import { OvlError, OvlErrorCodes, emptyState, type ClusterState } from "@ovl/domain";
import { inspectContainer, openSession, type Session } from "@ovl/client";
import { LogsPane, natsLogs, useLogsPanel, type LogTarget, type OpenLogs } from "@ovl/tui";
import { LinuxDockerRuntime, createKernelDataplane, runAgent, serveAgentRequests, type AgentHandle } from "@ovl/node-agent";
import { Scope, inNetns } from "../support/netns.js";
import { startDocker, TEST_IMAGE, type TestDocker } from "../support/docker.js";
import { secureBed, type SecureBed } from "../broker-setup/secure-support.js";
import { Responder, waitFor } from "./agent-responder.js";

const test = suite("node agent: run options, logs, exec, inspect through NATS");
const ctx = {} as { scope: Scope; ns: string; td: TestDocker; bed: SecureBed; operator: NatsConnection; viewer: NatsConnection; responder: Responder; dir: string; agent: AgentHandle };

const text = (parts: Uint8Array[]) => Buffer.concat(parts).toString("utf8");

function collect(nc: NatsConnection, kind: "logs" | "exec" | "inspect", body: object): { session: Session; out: Uint8Array[]; err: Uint8Array[] } {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const session = openSession(nc, "n1", kind, body as never, { out: (d) => void out.push(d), err: (d) => void err.push(d) });
  return { session, out, err };
}

async function exec(nc: NatsConnection, cmd: string[]): Promise<{ code: number | undefined; out: string }> {
  const s = collect(nc, "exec", { name: "db", cmd, tty: false, stdin: false });
  const end = await s.session.done;
  return { code: end.exitCode, out: text(s.out) };
}

test.before(async () => {
  ctx.scope = new Scope();
  ctx.dir = mkdtempSync(join(tmpdir(), "ovl-agent-services-"));
  ctx.ns = await ctx.scope.netns("as");
  const run = inNetns(ctx.ns);
  await run("ip", ["link", "add", "ul0", "type", "veth", "peer", "name", "ul0p"]);
  await run("ip", ["addr", "add", "198.18.9.2/24", "dev", "ul0"]);
  await run("ip", ["link", "set", "ul0", "up"]);
  await run("ip", ["link", "set", "ul0p", "up"]);
  ctx.td = await startDocker(ctx.ns, ctx.scope.tag, 18);
  ctx.scope.defer(() => ctx.td.stop());
  ctx.scope.defer(() => createKernelDataplane({ stateDir: join(ctx.dir, "kernel"), run }).teardown());
  ctx.bed = await secureBed({ identities: [["admin"], ["coordinator"], ["agent", "n1"], ["operator"], ["viewer"]] });
  ctx.scope.defer(() => ctx.bed.close());
  ctx.responder = new Responder(await ctx.bed.as("coordinator"));
  ctx.responder.listen();
  ctx.scope.defer(async () => ctx.responder.stop());
  await ctx.responder.command("CreateCluster", { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 4242, vxlanPort: 4789, mtu: 1450 });
  const agentNc = await ctx.bed.as("agent-n1");
  const kernel = createKernelDataplane({ stateDir: join(ctx.dir, "kernel"), run });
  const runtime = new LinuxDockerRuntime({ kernel, docker: ctx.td.docker, underlayIface: "ul0", node: "n1" });
  ctx.agent = await runAgent({ nc: agentNc, node: "n1", underlayIp: "198.18.9.2", lanMtu: 1500, stateDir: ctx.dir, runtime, heartbeatMs: 500, reconcileMs: 1000 });
  ctx.scope.defer(() => ctx.agent.stop());
  const served = serveAgentRequests({ nc: agentNc, node: "n1", docker: ctx.td.docker });
  ctx.scope.defer(async () => served.stop());
  ctx.operator = await ctx.bed.as("operator");
  ctx.viewer = await ctx.bed.as("viewer");
});

test.after(async () => {
  try {
    await ctx.scope?.close();
  } finally {
    rmSync(ctx.dir, { recursive: true, force: true });
  }
});

test("a container with env, a volume, a memory limit and a restart policy: all visible in Docker's inspect", async () => {
  await ctx.responder.command("StartContainer", {
    name: "db", node: "n1", image: TEST_IMAGE, ports: [],
    cmd: ["sh", "-c", "echo hello $GREETING; echo oops >&2; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done"],
    options: { env: ["GREETING=world"], volumes: [{ source: "dbdata", target: "/data" }], memory: 64 * 1024 * 1024, restart: { policy: "on-failure", maxRetries: 3 }, labels: ["team=db"], workdir: "/data", hostname: "dbhost" },
  });
  await waitFor("ContainerRunning recorded", () => ctx.responder.state.nodes.n1?.containers.db?.state === "running", 30_000);
  const info = await ctx.td.docker.getContainer("ovl-db").inspect();
  assert.ok(info.Config.Env.includes("GREETING=world"));
  assert.is(info.HostConfig.Memory, 64 * 1024 * 1024);
  assert.equal(info.HostConfig.RestartPolicy, { Name: "on-failure", MaximumRetryCount: 3 });
  assert.equal(info.HostConfig.Binds, ["dbdata:/data"]);
  assert.is(info.Config.Labels["team"], "db");
  assert.is(info.Config.Labels["ovl.name"], "db");
  assert.is(info.Config.WorkingDir, "/data");
  assert.is(info.Config.Hostname, "dbhost");
});

test("exec through NATS: a file written in the volume survives `docker restart`", async () => {
  assert.equal(await exec(ctx.operator, ["sh", "-c", "echo kept > /data/f; pwd"]), { code: 0, out: "/data\n" });
  const pid = (await ctx.td.docker.getContainer("ovl-db").inspect()).State.Pid;
  await ctx.td.docker.getContainer("ovl-db").restart({ t: 1 });
  await waitFor("running again", async () => {
    const i = await ctx.td.docker.getContainer("ovl-db").inspect();
    return i.State.Running && i.State.Pid !== pid;
  }, 20_000);
  assert.equal(await exec(ctx.operator, ["cat", "/data/f"]), { code: 0, out: "kept\n" });
  assert.is((await exec(ctx.operator, ["sh", "-c", "exit 7"])).code, 7);
});

test("logs: stdout and stderr apart, --tail, and a follow that keeps streaming until closed", async () => {
  const all = collect(ctx.viewer, "logs", { name: "db", follow: false });
  await all.session.done;
  assert.match(text(all.out), /^hello world\n/);
  assert.match(text(all.err), /oops/);
  // Docker's --tail counts stdout and stderr together: wait until the restarted container's
  // last two lines are both ticks (its first lines are "hello" and the stderr "oops").
  await waitFor("two ticks since the restart", async () => {
    const now = collect(ctx.operator, "logs", { name: "db", follow: false });
    await now.session.done;
    return (text(now.out).split("hello world").pop()!.match(/tick/g) ?? []).length >= 2;
  }, 10_000);
  const tail = collect(ctx.operator, "logs", { name: "db", follow: false, tail: 2 });
  await tail.session.done;
  // Docker's --tail counts the two streams together: the last two lines of either.
  assert.is([text(tail.out), text(tail.err)].join("").trim().split("\n").length, 2);
  const f = collect(ctx.viewer, "logs", { name: "db", follow: true, tail: 0 });
  await waitFor("new lines while following", () => (text(f.out).match(/tick/g) ?? []).length >= 5, 10_000);
  f.session.send({ t: "close" });
  await f.session.done.then(() => assert.unreachable("closed by the client ends with CLOSED"), (err: OvlError) => assert.match(err.message, /closed by the client/));
});

test("an interactive TTY exec: input typed in, output back, the remote exit code", async () => {
  const s = collect(ctx.operator, "exec", { name: "db", cmd: ["sh"], tty: true, stdin: true, rows: 24, cols: 80 });
  s.session.send({ t: "in", data: Buffer.from("echo got-$GREETING\nexit 3\n").toString("base64") });
  const end = await s.session.done;
  assert.is(end.exitCode, 3);
  assert.match(text(s.out), /got-world/);
});

test("inspect through NATS for the viewer; the viewer's exec refused; an unknown container named", async () => {
  const parts = collect(ctx.viewer, "inspect", { name: "db" });
  await parts.session.done;
  const info = JSON.parse(text(parts.out)) as { Config: { Env: string[] }; HostConfig: { Memory: number } };
  assert.ok(info.Config.Env.includes("GREETING=world"));
  assert.is(info.HostConfig.Memory, 64 * 1024 * 1024);
  await exec(ctx.viewer, ["true"]).then(
    () => assert.unreachable("the viewer may not exec"),
    (err: unknown) => {
      assert.ok(err instanceof OvlError && err.code === OvlErrorCodes.Forbidden, String(err));
      assert.match((err as Error).message, /this identity may not exec/); // what `ovl exec` prints
    },
  );
  await exec(ctx.operator, ["true"]).then((r) => assert.is(r.code, 0)); // the connection still serves the operator
  const missing = collect(ctx.operator, "inspect", { name: "nope" });
  await missing.session.done.then(
    () => assert.unreachable("no such container"),
    (err: unknown) => assert.ok(err instanceof OvlError && err.code === OvlErrorCodes.ContainerNotFound, String(err)),
  );
});

test("inspect with the container's own events from the history, for the viewer", async () => {
  const i = await inspectContainer(ctx.viewer, "n1", "db");
  assert.ok((i.docker as { Config: { Env: string[] } }).Config.Env.includes("GREETING=world"));
  assert.equal(i.events.slice(0, 2).map((e) => e.type), ["ContainerStarted", "ContainerRunning"]);
  for (const e of i.events) assert.is(e.subject, "ovl.evt.ctr.n1.db");
  assert.equal(i.events.map((e) => e.seq), [...i.events.map((e) => e.seq)].sort((a, b) => a - b));
  assert.ok(i.events.every((e) => typeof e.time === "string" && e.seq > 0));
});

test("a follow of a container that logs nothing stands past the first-frame wait (the agent says it is there)", async () => {
  await ctx.responder.command("StartContainer", { name: "quiet", node: "n1", image: TEST_IMAGE, ports: [], cmd: ["sleep", "1d"] });
  await waitFor("quiet running", () => ctx.responder.state.nodes.n1?.containers.quiet?.state === "running", 30_000);
  const f = collect(ctx.viewer, "logs", { name: "quiet", follow: true, tail: 0 });
  let settled: unknown = null;
  f.session.done.then((e) => (settled = e), (e: unknown) => (settled = e));
  await new Promise((r) => setTimeout(r, 6000));
  assert.is(settled, null, `still following: ${String(settled)}`);
  f.session.send({ t: "close" });
  await f.session.done.catch(() => undefined);
});

/** The TUI's logs pane alone, as the app wires it, over the viewer's connection; the sessions it opened kept. */
function mountPane(target: LogTarget, state: ClusterState) {
  const sessions: Session[] = [];
  const open: OpenLogs = (t, o) => {
    const s = natsLogs(ctx.viewer)(t, o);
    sessions.push(s);
    return s;
  };
  const Pane = ({ state }: { state: ClusterState }) =>
    React.createElement(LogsPane, { target, state: useLogsPanel({ target, nc: ctx.viewer, open, state, height: 8, close: () => undefined }), width: 80, height: 8 });
  const r = render(React.createElement(Pane, { state }));
  const frame = () => (r.lastFrame() ?? "").replace(/\x1b\[[0-9;]*m/g, "");
  return { ...r, sessions, frame, rerenderWith: (s: ClusterState) => r.rerender(React.createElement(Pane, { state: s })) };
}

const closedByClient = (s: Session) =>
  s.done.then(
    () => assert.unreachable("a follow ends only when closed"),
    (err: unknown) => assert.ok(err instanceof OvlError && err.code === OvlErrorCodes.Closed, String(err)),
  );

test("the TUI's logs pane follows the container live from its agent; closing the pane closes the stream", async () => {
  const pane = mountPane({ name: "db", node: "n1" }, ctx.responder.state);
  await waitFor("ticks in the pane", () => /logs of db on n1 · \d+ lines · following/.test(pane.frame()) && /tick \d+/.test(pane.frame()), 15_000);
  const last = () => Math.max(0, ...[...pane.frame().matchAll(/tick (\d+)/g)].map((m) => Number(m[1])));
  const first = last();
  await waitFor("newer ticks", () => last() > first + 2, 10_000);
  pane.unmount();
  await closedByClient(pane.sessions[0]!);
});

test("the TUI's logs pane stops the stream when the container leaves the cluster; an agent that does not answer is said in the pane", async () => {
  const pane = mountPane({ name: "db", node: "n1" }, ctx.responder.state);
  await waitFor("following", () => /tick \d+/.test(pane.frame()), 15_000);
  pane.rerenderWith(emptyState);
  await closedByClient(pane.sessions[0]!);
  await waitFor("said in the pane", () => pane.frame().includes("db is no longer in the cluster: its log stream stopped"), 5000);
  assert.match(pane.frame(), /tick \d+/, "the lines read stay on screen");
  pane.unmount();
  const nobody = mountPane({ name: "db", node: "n9" }, { ...ctx.responder.state, nodes: { n9: { ...ctx.responder.state.nodes.n1!, name: "n9", containers: { db: { ...ctx.responder.state.nodes.n1!.containers.db!, node: "n9" } } } } });
  await waitFor("the agent's silence said", () => nobody.frame().includes("UNAVAILABLE: the agent of node n9 does not answer"), 10_000).catch(() => assert.unreachable(nobody.frame()));
  nobody.unmount();
});

test.run();
