/**
 * `ovl status` on a broker of three servers (streams with 3 replicas), with the real binary,
 * a real coordinator and one SIMULATED agent: all three servers, a leader and two current
 * replicas; then the stream leader's server killed by PID: status answers again once a new
 * leader is elected (until then it times out: seen for 5 to over 20 s on this machine), names
 * that leader and the killed server's replica as offline or behind, and the cluster converged.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clusterBroker, type FaultBroker } from "../support/brokers.js";
import { until } from "../support/wait.js";
import { buildBundle, daemon, ovl, type Daemon } from "../support/ovl.js";

let broker: FaultBroker;
let dir: string;
const daemons: Daemon[] = [];
const at = () => ["--nats", broker.url];

interface Status {
  seq: number;
  convergence: { converged: boolean; line: string };
  broker: { servers: number; stream: { leader: string | null; replicas: { name: string; current: boolean; offline: boolean }[] } };
}
const status = async (): Promise<{ json: Status; text: string }> => {
  const j = await ovl(["status", "--json", ...at()]);
  assert.is(j.code, 0, j.stderr);
  const t = await ovl(["status", ...at()]);
  assert.is(t.code, 0, t.stderr);
  return { json: JSON.parse(j.stdout) as Status, text: t.stdout };
};

test.before(async () => {
  await buildBundle();
  broker = await clusterBroker();
  dir = mkdtempSync(join(tmpdir(), "ovl-status-broker-int-"));
  const coordinator = daemon(["coordinator", "--db", join(dir, "coordinator.db"), "--cidr", "198.19.0.0/18", ...at()]);
  daemons.push(coordinator);
  await coordinator.waitFor(/coordinator serving/, 30_000);
  const agent = daemon(["agent", "--node", "n1", "--simulate", "--ip", "198.18.0.11", "--state-dir", join(dir, "agent-n1"), ...at()]);
  daemons.push(agent);
  await agent.waitFor(/agent n1 joined/, 30_000);
});

test.after(async () => {
  for (const d of daemons.reverse()) await d.stop();
  await broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let leader = "";

test("three servers: a leader, two current replicas, converged", async () => {
  const s = await until("n1 applied everything", 30_000, async () => {
    const s = await status();
    return s.json.convergence.converged && s.json.broker.stream.replicas.length === 2 && s.json.broker.stream.replicas.every((r) => r.current) ? s : null;
  });
  assert.is(s.json.broker.servers, 3);
  leader = s.json.broker.stream.leader!;
  assert.ok(/^f[123]$/.test(leader), `leader ${leader}`);
  assert.match(s.text, new RegExp(`broker: 3 servers, connected to f[123] \\(nats-server [^)]+\\); OVL_EVENTS: \\d+ events, [^,]+, leader ${leader}, replicas f\\d current, f\\d current\\n`));
  assert.match(s.text, /^cluster: converged at seq \d+/);
});

test("the leader's server killed: status answers, another leader, the killed one's replica not current, still converged", async () => {
  // Killed now, started again after 60 s: the checks below run while it is down. During the
  // election itself a status may time out (seen: one TIMEOUT alone, over 20 s of them under a
  // loaded CI run); it answers again once a new leader is elected.
  const back = broker.killLeader(60_000);
  back.catch(() => undefined); // awaited below; a failure before that must not end the process
  const down = new RegExp(`leader (?!${leader}\\b)(f\\d), replicas [^\\n]*${leader} (offline|behind by \\d+)`);
  let seen = "";
  const t0 = Date.now();
  const text = await until("a new leader and the old one's replica down", 50_000, async () => {
    const t = await ovl(["status", ...at()], { timeoutMs: 20_000 });
    seen = `${Date.now() - t0} ms: exit ${t.code}: ${(t.stdout || t.stderr).split("\n").slice(0, 3).join(" | ")}`;
    console.log(`    ${seen}`);
    return t.code === 0 && down.test(t.stdout) ? t.stdout : null;
  }).catch((err: Error): never => {
    throw new Error(`${err.message}; last seen: ${seen}`);
  });
  console.log(`    ${text.split("\n")[2]}`);
  assert.match(text, /^cluster: converged at seq \d+/);
  // The JSON may time out again for a moment as the cluster settles: the same retry.
  const json = await until("the JSON status", 30_000, async () => {
    const j = await ovl(["status", "--json", ...at()], { timeoutMs: 10_000 });
    return j.code === 0 ? (JSON.parse(j.stdout) as Status) : null;
  });
  assert.is.not(json.broker.stream.leader, leader, "the JSON names the new leader too");
  assert.is(await back, `stream leader ${leader}`);
});

test.run();
