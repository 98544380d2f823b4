/**
 * Takes the screenshots in docs/tui.md from a real run: nats-server, a coordinator, three
 * simulated agents (RecordingRuntime), a few containers, and `ovl tui` in tmux at 120x40.
 *   npx tsx test/tui/screenshots.ts > /tmp/screens.md
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCoordinator } from "@ovl/coordinator";
import { RecordingRuntime, runAgent, type AgentHandle } from "@ovl/node-agent";
import { OvlClient } from "@ovl/client";
import { startNats } from "../support/nats.js";
import { Tmux, tuiEnv } from "../support/tmux.js";

const dir = mkdtempSync(join(tmpdir(), "ovl-tui-shots-"));
const srv = await startNats();
const tmux = new Tmux(tuiEnv({ OVL_FROM_SOURCE: "1" }));
const agents: AgentHandle[] = [];
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const shots: string[] = [];
async function shot(title: string, wait: RegExp): Promise<void> {
  const screen = await tmux.waitFor(wait, 20_000);
  shots.push(`### ${title}\n\n\`\`\`text\n${screen.replace(/\s+$/, "")}\n\`\`\`\n`);
}
try {
  const nc = await srv.connect();
  const coord = await runCoordinator({ nc, dbPath: join(dir, "coord.db"), cluster: { cidr: "198.19.0.0/18" } });
  for (const [i, node] of ["n1", "n2", "n3"].entries()) {
    const anc = await srv.connect();
    agents.push(await runAgent({ nc: anc, node, underlayIp: `198.18.0.${11 + i}`, lanMtu: 1500, stateDir: join(dir, node), runtime: new RecordingRuntime({ node }), heartbeatMs: 1000 }));
  }
  const client = new OvlClient(nc);
  await client.run({ name: "web", node: "n1", image: "busybox", cmd: ["httpd", "-f", "-p", "80"], ports: [{ host: 8080, container: 80, proto: "tcp" }] });
  await client.run({ name: "db", node: "n2", image: "registry:5000/team/db:1.2", cmd: [], ports: [{ host: 5432, container: 5432, proto: "tcp" }] });
  await client.run({ name: "cache", image: "busybox", cmd: ["sleep", "1d"], ports: [] });
  await client.run({ name: "worker-1", node: "n3", image: "busybox", cmd: ["sleep", "1d"], ports: [] });
  await pause(1500);
  await client.rm("worker-1");
  await pause(500);
  await tmux.start(["node", "packages/cli/bin/ovl.mjs", "--nats", srv.url, "tui"]);
  await shot("Nodes (1)", /^n3 .* \ds\s*$/m);
  await tmux.keys("2");
  await shot("Containers (2)", /^web .*running/m);
  await tmux.keys("3");
  await shot("Events (3)", /ContainerStopped/);
  await tmux.keys("Down", "Down", "Enter");
  await shot("Detail pane (Enter): the selected event's whole JSON", /event seq/);
  await tmux.keys("Enter", "2", "r");
  await tmux.type("Web");
  await tmux.keys("Tab");
  await tmux.type("busybox");
  await tmux.keys("Tab", "Tab");
  await tmux.type("8080");
  await shot("Start a container (r): problems shown inline before sending", /invalid port mapping/);
  await tmux.keys("Escape", "x");
  await shot("Remove (x) asks first", /Remove container/);
  await tmux.keys("n", "3");
  for (let i = 0; i < 7; i++) await tmux.keys("Down");
  await tmux.keys("t", "2");
  await shot("Time travel (t): the containers as they were at an earlier sequence", /TIME TRAVEL/);
  await tmux.keys("t", "?");
  await shot("Help (?)", /ovl keys/);
  await tmux.keys("q");
  await pause(300);
  await srv.stop().catch(() => undefined);
  await pause(200);
  process.stdout.write(shots.join("\n"));
  for (const a of agents) await a.stop().catch(() => undefined);
  await coord.stop().catch(() => undefined);
} finally {
  await tmux.kill();
  await srv.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
