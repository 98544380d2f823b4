/**
 * `ovl tui` end to end: a real nats-server, a real coordinator, a simulated agent
 * (RecordingRuntime: the control plane is real, no Docker), and the TUI in its own
 * process inside tmux at 120x40, driven by send-keys and read with capture-pane.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "nats";
import { runCoordinator, type CoordinatorHandle } from "@ovl/coordinator";
import { RecordingRuntime, runAgent, type AgentHandle } from "@ovl/node-agent";
import { OvlClient } from "@ovl/client";
import { startNats, type TestNats } from "../support/nats.js";
import { Tmux, tuiEnv } from "../support/tmux.js";

const ctx = {} as { srv: TestNats; nc: NatsConnection; agentNc: NatsConnection; dir: string; coord: CoordinatorHandle; agent: AgentHandle; tmux: Tmux };

// Starting tsx + ink in a fresh process takes seconds on a busy 2-core machine.
const START_MS = 60_000;

test.before(async () => {
  ctx.dir = mkdtempSync(join(tmpdir(), "ovl-tui-e2e-"));
  ctx.srv = await startNats();
  ctx.nc = await ctx.srv.connect({ maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  ctx.agentNc = await ctx.srv.connect({ maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  ctx.coord = await runCoordinator({ nc: ctx.nc, dbPath: join(ctx.dir, "coord.db"), cluster: { cidr: "198.19.0.0/18" } });
  ctx.agent = await runAgent({
    nc: ctx.agentNc,
    node: "n1",
    underlayIp: "198.18.0.11",
    lanMtu: 1500,
    stateDir: join(ctx.dir, "n1"),
    runtime: new RecordingRuntime({ node: "n1" }),
    heartbeatMs: 500,
    reconcileMs: 1000,
  });
  ctx.tmux = new Tmux(tuiEnv({ OVL_FROM_SOURCE: "1" }));
  await ctx.tmux.start(["node", "packages/cli/bin/ovl.mjs", "--nats", ctx.srv.url, "tui"]);
});

test.after(async () => {
  await ctx.tmux?.kill();
  await ctx.agent?.stop().catch(() => undefined);
  await ctx.coord?.stop().catch(() => undefined);
  await ctx.agentNc?.close().catch(() => undefined);
  await ctx.nc?.close().catch(() => undefined);
  await ctx.srv?.stop();
  rmSync(ctx.dir, { recursive: true, force: true });
});

test("opens full screen, live, with the node and its heartbeat metrics", async () => {
  const t = ctx.tmux;
  const screen = await t.waitFor((s) => /● live/.test(s) && /^n1 +198\.18\.0\.11 +198\.19\.0\.0\/24 +ready +\S+ +\d+% +[\d.]+ \w+ +0 +\ds/m.test(s), START_MS, "n1 ready with metrics");
  assert.match(screen, /^ ovl  1 Nodes 1  2 Containers 0  3 Events \d+ /);
  assert.is(await t.pane("#{alternate_on}"), "1");
});

test("a container started from the form appears in the containers view and its events in the events view", async () => {
  const t = ctx.tmux;
  await t.keys("r");
  await t.waitFor(/Start a container/);
  await t.type("web");
  await t.keys("Tab");
  await t.type("busybox");
  await t.keys("Tab");
  await t.type("httpd -f -p 80");
  await t.keys("Tab");
  await t.type("8080:80");
  await t.waitFor(/› ports +8080:80/);
  await t.keys("Enter");
  await t.waitFor(/✔ web is running on n1 at 198\.19\.0\.\d+ \(seq \d+\)/, 20_000, "the agent's verdict");
  await t.keys("2");
  const ctrs = await t.waitFor(/^web +n1 +198\.19\.0\.2 +ovl +busybox +running +8080:80\/tcp/m);
  assert.match(ctrs, /2 Containers 1 /);
  await t.keys("3");
  const events = await t.waitFor(/ContainerRunning +ovl\.evt\.ctr\.n1\.web +web running on n1/);
  assert.match(events, /ContainerStarted +ovl\.evt\.ctr\.n1\.web +web on n1 at 198\.19\.0\.2 \(busybox\)/);
});

test("invalid input in the form is shown inline and nothing is sent", async () => {
  const t = ctx.tmux;
  const before = ctx.coord.seq();
  await t.keys("r");
  await t.waitFor(/Start a container/);
  await t.type("web");
  await t.waitFor(/✘ container web already exists/);
  await t.keys("Enter");
  await new Promise((r) => setTimeout(r, 500));
  assert.is(ctx.coord.seq(), before, "nothing appended");
  await t.keys("Escape");
  await t.waitFor((s) => !s.includes("Start a container"));
});

test("time travel shows the cluster as it was before the container, then back to live", async () => {
  const t = ctx.tmux;
  await t.keys("3");
  const screen = await t.waitFor(/ContainerStarted +ovl\.evt\.ctr\.n1\.web/);
  const rows = screen.split("\n").filter((l) => /^\d+ /.test(l));
  const started = rows.findIndex((l) => /ContainerStarted +ovl\.evt\.ctr\.n1\.web/.test(l));
  const before = Number(rows[started + 1]!.split(/\s+/)[0]);
  for (let i = 0; i <= started; i++) await t.keys("Down");
  await t.keys("t");
  await t.waitFor(new RegExp(`◀ TIME TRAVEL  seq ${before} of`));
  await t.keys("2");
  const past = await t.waitFor(/no containers at this point in history/);
  assert.match(past, /2 Containers 0 /);
  await t.keys("Right");
  await t.waitFor(/^web +n1 +198\.19\.0\.2 +ovl +busybox +pending/m, 5000, "web pending one event later");
  await t.keys("t");
  const live = await t.waitFor((s) => !s.includes("TIME TRAVEL") && /^web .* running/m.test(s));
  assert.match(live, /● live/);
});

test("remove with confirmation shows the coordinator's answer", async () => {
  const t = ctx.tmux;
  await t.keys("2", "x");
  await t.waitFor(/Remove container web\? Its address is freed at once\./);
  await t.keys("y");
  await t.waitFor(/✔ web removed from n1, 198\.19\.0\.2 freed \(seq \d+\)/);
  await t.waitFor(/no containers: press r to start one/);
});

test("NATS going away is said on screen; after it returns the TUI resumes without missing events", async () => {
  const t = ctx.tmux;
  await ctx.srv.restart(); // kill -9, same store, same port
  await t.waitFor(/(NATS connection lost|reconnect)/i, 10_000, "the outage on screen");
  const client = new OvlClient(ctx.nc);
  const r = await client.run({ name: "after", image: "busybox", cmd: [], ports: [] });
  await t.keys("2");
  await t.waitFor(new RegExp(`^after +n1 +${r.ip.replace(/\./g, "\\.")} +ovl +busybox`, "m"), 20_000, "the container started after the outage");
  await t.waitFor(/● live/);
  await t.keys("3");
  await t.waitFor(new RegExp(`^${r.seq} +\\S+ +ContainerStarted +ovl\\.evt\\.ctr\\.n1\\.after`, "m"));
});

test("resized to 80x24 it is redrawn to fit: every line within 80 columns, the keys on the last line", async () => {
  const t = ctx.tmux;
  await t.keys("1");
  await t.resize(80, 24);
  const screen = await t.waitFor((s) => /^\? help/m.test(s) && s.split("\n").every((l) => l.length <= 80) && /^NAME +LAN ADDRESS +BLOCK +STATUS +PATH +CPU/m.test(s));
  const rows = screen.split("\n");
  assert.match(rows[0]!, /^ ovl  1 Nodes 1  2 Containers 1  3 Events \d+ +(✓ converged · |≠ behind: .* · )?● live · seq \d+$/);
  assert.match(rows[22]!, /^\? help  r run  L leave/);
  await t.resize(120, 40);
  await t.waitFor((s) => s.split("\n")[38]?.startsWith("? help") ?? false);
});

test("a node made to leave (L, confirmed) goes leaving, then left: gone from the nodes view", async () => {
  const t = ctx.tmux;
  await t.keys("1", "L");
  await t.waitFor(/Make node n1 leave\? Its containers are removed and its network torn down\./);
  await t.keys("y");
  await t.waitFor(/✔ n1 is leaving \(seq \d+\): its agent tears its network down/);
  await t.waitFor(/no nodes: start an agent/, 20_000, "n1 gone after its agent reported left");
  await t.keys("3");
  await t.waitFor(/NodeLeft +ovl\.evt\.node\.n1/);
});

/**
 * The TUI's exit code: tmux prints it on the dead pane (remain-on-exit), but when tmux
 * sees the terminal close before it reaps the child the pane stays blank and the process
 * is a zombie for a while; its exit status is then in /proc/<pid>/stat (field 52).
 */
async function exitCode(t: Tmux, pid: number): Promise<number> {
  const until = Date.now() + 10_000;
  for (;;) {
    const shown = /Pane is dead \(status (\d+),/.exec(await t.capture());
    if (shown) return Number(shown[1]);
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      if (fields[0] === "Z") return Number(fields[49]) >> 8;
    } catch {
      // reaped between the two reads: the next capture shows the status
    }
    if (Date.now() > until) throw new Error(`the TUI (pid ${pid}) did not exit within 10 s of q`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("q quits, restores the terminal and exits 0", async () => {
  const t = ctx.tmux;
  const pid = await t.panePid();
  await t.keys("q");
  assert.is(await exitCode(t, pid), 0);
  assert.is(await t.pane("#{alternate_on}"), "0", "the alternate screen was left");
});

test.run();
