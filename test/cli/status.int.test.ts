/**
 * `ovl status`, `ovl events` filters and `ovl diff` with the real binary against a real
 * nats-server, a real coordinator started without --mtu, and two SIMULATED agents (the
 * recording runtime: the whole agent but Docker and the kernel). One agent is then stopped:
 * its lag grows and the cluster line names it.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNats, type TestNats } from "../support/nats.js";
import { until } from "../support/wait.js";
import { buildBundle, daemon, lines, ovl, type Daemon } from "../support/ovl.js";

let nats: TestNats;
let dir: string;
let coordinator: Daemon;
const agents = new Map<string, Daemon>();
const at = () => ["--nats", nats.url];

const startAgent = async (node: string, ip: string) => {
  const a = daemon(["agent", "--node", node, "--simulate", "--ip", ip, "--state-dir", join(dir, `agent-${node}`), ...at()]);
  agents.set(node, a);
  await a.waitFor(new RegExp(`agent ${node} joined`));
};

interface Status {
  seq: number;
  convergence: { converged: boolean; line: string };
  nodes: { name: string; appliedSeq: number | null; lag: number | null; lagMs: number | null; applyP50Ms: number | null; applyP99Ms: number | null; version: string }[];
  coordinators: { version: string; seq: number }[];
  broker: { servers: number; connectedTo: { name: string }; stream: { messages: number; lastSeq: number } };
}
const status = async (): Promise<Status> => {
  const r = await ovl(["status", "--json", ...at()]);
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Status;
};
const events = async (...args: string[]) => {
  const r = await ovl(["events", "--json", ...args, ...at()]);
  assert.is(r.code, 0, r.stderr);
  return lines(r.stdout).map((l) => JSON.parse(l) as { seq: number; type: string; subject: string; data: Record<string, unknown> });
};
const run = async (name: string, node: string) => {
  const r = await ovl(["run", name, "--image", "busybox", "--node", node, ...at()]);
  assert.is(r.code, 0, r.stderr);
};

test.before(async () => {
  await buildBundle();
  nats = await startNats();
  dir = mkdtempSync(join(tmpdir(), "ovl-status-int-"));
  coordinator = daemon(["coordinator", "--db", join(dir, "coordinator.db"), "--cidr", "198.19.0.0/18", ...at()]);
  await coordinator.waitFor(/coordinator serving/);
  await startAgent("n1", "198.18.0.11");
  await startAgent("n2", "198.18.0.12");
});

test.after(async () => {
  for (const a of agents.values()) await a.stop();
  await coordinator?.stop();
  await nats?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("without --mtu the cluster is created by the first join, before its NodeJoined", async () => {
  const first = await events("--since", "1");
  assert.equal(first.slice(0, 3).map((e) => e.type), ["ClusterCreated", "NodeJoined", "SubnetAssigned"]);
  assert.is(first[0]!.data.mtu, 1450, "an agent that cannot tell its LAN MTU: the default");
});

test("status on a healthy cluster: every node at the last sequence, one coordinator, the broker", async () => {
  await run("web", "n1");
  await run("db", "n2");
  const s = await until("converged", 15_000, async () => {
    const s = await status();
    return s.convergence.converged && s.nodes.every((n) => n.applyP50Ms !== null) && s.coordinators.every((c) => c.seq === s.seq) ? s : null;
  });
  assert.match(s.convergence.line, new RegExp(`^converged at seq ${s.seq} \\(2 ready nodes\\)$`));
  assert.equal(s.nodes.map((n) => [n.name, n.appliedSeq, n.lag, n.lagMs]), [["n1", s.seq, 0, 0], ["n2", s.seq, 0, 0]]);
  assert.ok(s.nodes.every((n) => n.applyP99Ms! >= n.applyP50Ms! && n.applyP50Ms! >= 0 && n.applyP99Ms! < 10_000), JSON.stringify(s.nodes));
  assert.equal(s.coordinators.map((c) => c.seq), [s.seq]);
  assert.match(s.coordinators[0]!.version, /^0\.1\.0\+/);
  assert.is(s.broker.servers, 1);
  assert.is(s.broker.stream.lastSeq, s.seq);
  assert.is(s.broker.stream.messages, s.seq);
  const human = await ovl(["status", ...at()]);
  assert.is(lines(human.stdout)[0], `cluster: converged at seq ${s.seq} (2 ready nodes)`);
  assert.match(lines(human.stdout)[1]!, /^coordinators: 1 \(0\.1\.0\+\S+\)$/);
  assert.match(lines(human.stdout)[2]!, /^broker: 1 server, connected to \S+ \(nats-server 2\.\d+\.\d+\); OVL_EVENTS: \d+ events, /);
  assert.match(human.stdout, /\nNODE\s+STATUS\s+PATH\s+VERSION\s+APPLIED\s+LAG\s+LAG TIME\s+P50\s+P99\s+SEEN\nn1\s+ready\s+\S+\s+0\.1\.0\+\S+\s+\d+\s+0\s+0ms/);
});

test("events --node, --container, --type: only the matching events; bad values are usage errors", async () => {
  const all = await events();
  const n1 = await events("--node", "n1");
  assert.equal(n1.map((e) => e.seq), all.filter((e) => e.data.node === "n1").map((e) => e.seq));
  assert.ok(n1.some((e) => e.type === "NodeJoined") && n1.some((e) => e.type === "ContainerRunning"));
  const web = await events("--container", "web");
  assert.equal(web.map((e) => e.type), ["ContainerStarted", "ContainerRunning"]);
  const started = await events("--type", "ContainerStarted,NodeJoined");
  assert.equal(started.map((e) => e.type), ["NodeJoined", "NodeJoined", "ContainerStarted", "ContainerStarted"]);
  assert.equal(await events("--type", "ContainerRunning", "--node", "n2"), all.filter((e) => e.type === "ContainerRunning" && e.data.node === "n2"));
  for (const bad of [["--type", "Nope"], ["--node", "N1!"], ["--container", "web", "--type", "NodeJoined"]]) {
    const r = await ovl(["events", ...bad, ...at()]);
    assert.is(r.code, 2, `${bad.join(" ")}: ${r.stderr}`);
  }
});

test("diff A B by sequence and by time: containers added, changed; nodes added", async () => {
  const all = await events();
  const afterJoins = all.filter((e) => e.type === "SubnetAssigned").at(-1)!.seq;
  const last = all.at(-1)!.seq;
  const r = await ovl(["diff", String(afterJoins), String(last), "--json", ...at()]);
  assert.is(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.equal([d.from, d.to], [afterJoins, last]);
  assert.equal(d.containers.added.map((c: { name: string; state: string }) => [c.name, c.state]), [["db", "running"], ["web", "running"]]);
  assert.equal([d.nodes.added, d.nodes.removed, d.nodes.changed, d.cluster], [[], [], [], null]);
  const back = await ovl(["diff", String(last), String(afterJoins), ...at()]);
  assert.equal(lines(back.stdout), [`seq ${last} -> seq ${afterJoins}`, "containers:", "  - db  n2  198.19.1.2  busybox  running", "  - web  n1  198.19.0.2  busybox  running"]);
  const fromStart = JSON.parse((await ovl(["diff", "0", String(afterJoins), "--json", ...at()])).stdout);
  assert.equal(fromStart.nodes.added.map((n: { name: string }) => n.name), ["n1", "n2"]);
  assert.is(fromStart.cluster.to.mtu, 1450);
  // By time: a moment between two commands is the state after the first.
  await new Promise((res) => setTimeout(res, 50));
  const between = new Date().toISOString();
  await new Promise((res) => setTimeout(res, 50));
  await run("api", "n1");
  const byTime = JSON.parse((await ovl(["diff", between, "0s", "--json", ...at()])).stdout);
  assert.is(byTime.from, last);
  assert.equal(byTime.containers.added.map((c: { name: string }) => c.name), ["api"]);
  const same = await ovl(["diff", "1h", "1h", ...at()]);
  assert.match(same.stdout, /^seq 0 -> seq 0: no changes\n$/);
  assert.is((await ovl(["diff", "yesterday", "1", ...at()])).code, 2);
  const past = await ovl(["diff", "1", String(last + 100), ...at()]);
  assert.is(past.code, 2, "a sequence past the end is refused, not clamped");
  assert.match(past.stderr, new RegExp(`^error: seq ${last + 100} is past the end of the history \\(the last event is seq \\d+\\)\n$`));
});

test("one agent stopped: its lag grows and the cluster line names it", async () => {
  await agents.get("n2")!.stop();
  agents.delete("n2");
  await run("late1", "n1");
  await run("late2", "n1");
  const s = await until("n2 behind", 15_000, async () => {
    const s = await status();
    const n2 = s.nodes.find((n) => n.name === "n2")!;
    const n1 = s.nodes.find((n) => n.name === "n1")!;
    return !s.convergence.converged && n2.lag! >= 4 && n1.lag === 0 ? s : null;
  });
  const [n1, n2] = s.nodes;
  assert.is(n1!.lag, 0);
  assert.ok(n2!.lagMs! > 0 && n2!.lagMs! < 60_000, `lagMs ${n2!.lagMs}`);
  assert.is(s.convergence.line, `not converged at seq ${s.seq}: n2 (${n2!.lag} events behind)`);
  await run("late3", "n1");
  assert.ok((await status()).nodes.find((n) => n.name === "n2")!.lag! > n2!.lag!, "the lag grows with the history");
});

test.run();
