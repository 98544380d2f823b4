/**
 * The real `ovl` binary against a real nats-server, a real coordinator (`ovl coordinator`)
 * and a SIMULATED agent (`ovl agent --simulate`: the recording runtime, no Docker).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { subjects } from "@ovl/domain";
import { startNats, type TestNats } from "../support/nats.js";
import { buildBundle, daemon, lines, ovl, type Daemon } from "../support/ovl.js";

let nats: TestNats;
let dir: string;
let coordinator: Daemon;
let agent: Daemon;
const at = () => ["--nats", nats.url];

test.before(async () => {
  await buildBundle();
  nats = await startNats();
  dir = mkdtempSync(join(tmpdir(), "ovl-cli-int-"));
  coordinator = daemon(["coordinator", "--db", join(dir, "coordinator.db"), "--cidr", "198.19.0.0/18", "--vni", "4242", ...at()]);
  await coordinator.waitFor(/coordinator serving/);
  agent = daemon(["agent", "--node", "n1", "--simulate", "--ip", "198.18.0.11", "--state-dir", join(dir, "agent-n1"), ...at()]);
  await agent.waitFor(/agent n1 joined/);
});

test.after(async () => {
  await agent?.stop();
  await coordinator?.stop();
  await nats?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("broker setup is idempotent and says so", async () => {
  const r = await ovl(["broker", "setup", ...at()]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /OVL_EVENTS: unchanged/);
  assert.match(r.stdout, /OVL_HEARTBEATS: unchanged/);
});

test("nodes --json: the views.ts rows with heartbeat metrics", async () => {
  let rows: Record<string, unknown>[] = [];
  for (let i = 0; i < 40; i++) {
    const r = await ovl(["nodes", "--json", ...at()]);
    assert.is(r.code, 0, r.stderr);
    rows = JSON.parse(r.stdout);
    if (rows[0]?.lastSeen && rows[0]?.cpu !== null) break;
    await new Promise((res) => setTimeout(res, 250));
  }
  assert.is(rows.length, 1);
  const n = rows[0]!;
  assert.is(n.name, "n1");
  assert.is(n.ip, "198.18.0.11");
  assert.is(n.subnet, "198.19.0.0/24");
  assert.is(n.status, "ready");
  assert.match(String(n.lastSeen), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.ok(typeof n.cpu === "number" && n.cpu >= 0 && n.cpu <= 1, `cpu ${n.cpu}`);
  assert.ok(typeof n.memFree === "number" && n.memFree > 0, `memFree ${n.memFree}`);
  const human = await ovl(["nodes", ...at()]);
  assert.match(human.stdout, /^NAME\s+IP\s+SUBNET\s+STATUS\s+PATH\s+CPU\s+MEM FREE\s+SEEN\s+CONTAINERS\s+VERSION\n/);
  assert.match(human.stdout, /n1\s+198\.18\.0\.11\s+198\.19\.0\.0\/24\s+ready\s+auto\s+\d+%\s+[\d.]+ [KMGT]iB\s+\d+s ago\s+0\s+\S+/);
  assert.match(human.stdout, /\ncoordinators: 1 \(0\.1\.0\+\S+\)\n$/, "then the coordinators serving");
});

test("run --detach, then ps --json has the row", async () => {
  const r = await ovl(["run", "web", "--image", "busybox:1.36", "-p", "8080:80", "-p", "5353:53/udp", "--detach", ...at(), "--", "sleep", "3600"]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^web on node n1 at 198\.19\.0\.\d+ \(pending/);
  const ps = await ovl(["ps", "--json", ...at()]);
  assert.is(ps.code, 0, ps.stderr);
  const rows = JSON.parse(ps.stdout) as Record<string, unknown>[];
  assert.ok(Array.isArray(rows));
  const web = rows.find((x) => x.name === "web")!;
  assert.is(web.node, "n1");
  assert.match(String(web.ip), /^198\.19\.0\.\d+$/);
  assert.is(web.image, "busybox:1.36");
  assert.ok(["pending", "running"].includes(String(web.state)));
  assert.equal(web.ports, [{ host: 8080, container: 80, proto: "tcp" }, { host: 5353, container: 53, proto: "udp" }]);
  assert.equal(web.cmd, ["sleep", "3600"]);
});

test("run (waiting) ends when the agent reports running", async () => {
  const r = await ovl(["run", "db", "--image", "busybox", "--node", "n1", "--timeout", "20", ...at()]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^db on node n1 at 198\.19\.0\.\d+ running\n$/);
  const ps = await ovl(["ps", ...at()]);
  assert.match(ps.stdout, /^NAME\s+NODE\s+IP\s+NETWORKS\s+IMAGE\s+STATE\s+PORTS\n/);
  assert.match(ps.stdout, /\ndb\s+n1\s+198\.19\.0\.\d+\s+ovl\s+busybox\s+running\n/);
});

test("events --json: NDJSON envelopes in stream order", async () => {
  const r = await ovl(["events", "--json", ...at()]);
  assert.is(r.code, 0, r.stderr);
  const events = lines(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(events.length >= 5);
  events.forEach((e, i) => {
    assert.equal(Object.keys(e).filter((k) => k !== "req").sort(), ["data", "seq", "subject", "time", "type", "v"]);
    assert.is(e.seq, i + 1);
    assert.is(e.v, 1);
  });
  assert.equal(events.map((e) => e.type).slice(0, 3), ["ClusterCreated", "NodeJoined", "SubnetAssigned"]);
  const started = events.find((e) => e.type === "ContainerStarted" && (e.data as { name: string }).name === "web")!;
  assert.is(started.subject, "ovl.evt.ctr.n1.web");
  assert.ok(typeof started.req === "string");
  assert.ok(events.some((e) => e.type === "ContainerRunning"));
  const since = await ovl(["events", "--json", "--since", "3", ...at()]);
  assert.is(JSON.parse(lines(since.stdout)[0]!).seq, 3);
  const human = await ovl(["events", ...at()]);
  assert.match(lines(human.stdout)[0]!, /^\s+1  \d{4}-\d\d-\d\dT[\d:.]+Z  ClusterCreated\s+ovl\.evt\.cluster  cidr=198\.19\.0\.0\/18 blockPrefix=24 vni=4242/);
});

test("events --follow prints new events live and stops on SIGTERM", async () => {
  const follow = daemon(["events", "--follow", "--json", ...at()]);
  try {
    await follow.waitFor(/"ClusterCreated"/);
    assert.is((await ovl(["run", "cache", "--image", "busybox", "--detach", ...at()])).code, 0);
    await follow.waitFor(/"ContainerStarted".*"name":"cache"/);
  } finally {
    assert.is(await follow.stop(), 0);
  }
});

test("raw reads as `nats sub 'ovl.evt.>'` and `nats stream view OVL_EVENTS` give readable JSON", async () => {
  const nc = await nats.connect();
  try {
    // `nats sub 'ovl.evt.>'`: a plain core subscription sees each append as it happens.
    const sub = nc.subscribe(subjects.EVENTS_WILDCARD, { max: 1 });
    const got = (async () => {
      for await (const m of sub) return { subject: m.subject, body: new TextDecoder().decode(m.data) };
      return null;
    })();
    assert.is((await ovl(["run", "raw", "--image", "busybox", "--detach", ...at()])).code, 0);
    const live = await Promise.race([got, new Promise<null>((res) => setTimeout(() => res(null), 5000))]);
    assert.ok(live, "no message on ovl.evt.>");
    assert.is(live!.subject, "ovl.evt.ctr.n1.raw");
    const env = JSON.parse(live!.body);
    assert.is(env.type, "ContainerStarted");
    assert.is(env.v, 1);
    assert.match(env.time, /Z$/);
    assert.is(env.data.name, "raw");
    // `nats stream view OVL_EVENTS`: every stored message, by sequence, is one JSON envelope.
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info("OVL_EVENTS");
    assert.ok(info.state.messages >= 6);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage("OVL_EVENTS", { seq });
      const body = JSON.parse(new TextDecoder().decode(m.data));
      assert.equal(Object.keys(body).filter((k) => k !== "req").sort(), ["data", "time", "type", "v"]);
      assert.ok(subjects.isEventSubject(m.subject));
    }
  } finally {
    await nc.close();
  }
});

test("rm removes; rm again is refused with one line and exit 1", async () => {
  const r = await ovl(["rm", "web", ...at()]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^removed web from node n1 \(address 198\.19\.0\.\d+ released\)\n$/);
  const again = await ovl(["rm", "web", ...at()]);
  assert.is(again.code, 1);
  assert.is(again.stdout, "");
  assert.is(lines(again.stderr).length, 1, again.stderr);
  assert.match(again.stderr, /^error: .*web/);
  const ps = JSON.parse((await ovl(["ps", "--json", ...at()])).stdout) as { name: string }[];
  assert.not.ok(ps.some((x) => x.name === "web"));
});

const refusals: [string, string[], number, RegExp][] = [
  ["bad name", ["run", "Web_1", "--image", "busybox"], 2, /invalid container name "Web_1"/],
  ["bad port", ["run", "x1", "--image", "busybox", "-p", "80:99999"], 2, /invalid port mapping "80:99999"/],
  ["bad image", ["run", "x1", "--image", "UPPER/Case"], 2, /invalid image "UPPER\/Case"/],
  ["bad number", ["events", "--since", "-3"], 2, /--since/],
  ["unknown option", ["ps", "--colour"], 2, /unknown option '--colour'/],
  ["bad node name", ["leave", "N1"], 2, /invalid node name "N1"/],
  ["unknown container", ["rm", "ghost"], 1, /ghost/],
  ["tui without a terminal", ["tui"], 1, /ovl tui needs a terminal/],
  ["unknown node", ["leave", "n9"], 1, /n9/],
  ["duplicate name", ["run", "db", "--image", "busybox", "--detach"], 1, /db/],
  ["x2 takes host port 9000 on n1", ["run", "x2", "--image", "busybox", "-p", "9000:80", "--detach"], 0, /x2 on node n1/],
  ["same host port again", ["run", "x3", "--image", "busybox", "-p", "9000:81", "--detach"], 1, /9000/],
];

for (const [what, args, code, pattern] of refusals) {
  test(`${code ? "refused" : "accepted"}: ${what} (exit ${code})`, async () => {
    const r = await ovl([...args, ...at()]);
    assert.is(r.code, code, r.stderr);
    const text = code === 0 ? r.stdout : r.stderr;
    assert.match(text, pattern);
    if (code !== 0) {
      assert.is(lines(r.stderr).length, 1, r.stderr);
      assert.not.match(r.stderr, /\n\s+at /);
    }
  });
}

test("nothing was appended by the refusals", async () => {
  const types = lines((await ovl(["events", "--json", ...at()])).stdout).map((l) => JSON.parse(l).data.name);
  for (const n of ["x1", "x3", "ghost"]) assert.not.ok(types.includes(n), n);
});

test("network create, ls, rm; overlaps, bad names and unknown networks refused with one line", async () => {
  const made = await ovl(["network", "create", "back", "--internal", ...at()]);
  assert.is(made.code, 0, made.stderr);
  assert.is(made.stdout, "network back: 198.19.48.0/20, vni 1, internal, blocks on 1 node(s)\n");
  const ls = await ovl(["network", "ls", ...at()]);
  assert.match(ls.stdout, /^NAME  CIDR            VNI   INTERNAL  NODES  CONTAINERS  EXCEPT\novl   198\.19\.0\.0\/18   4242  no        1      \d+ +198\.19\.48\.0\/20\nback  198\.19\.48\.0\/20  1     yes       1      0           - *\n$/);
  const rows = JSON.parse((await ovl(["network", "ls", "--json", ...at()])).stdout) as { name: string; vni: number }[];
  assert.equal(rows.map((r) => [r.name, r.vni]), [["ovl", 4242], ["back", 1]]);
  for (const [args, code, pattern] of [
    [["network", "create", "other", "--cidr", "198.19.50.0/24"], 1, /overlaps network back's range/],
    [["network", "create", "Back"], 2, /invalid network name "Back"/],
    [["network", "create", "x", "--cidr", "10.0.0.1/8"], 2, /host bits/],
    [["network", "rm", "nope"], 1, /no network named nope/],
    [["ps", "--network", "nope"], 1, /unknown network "nope"/],
  ] as [string[], number, RegExp][]) {
    const r = await ovl([...args, ...at()]);
    assert.is(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.is(lines(r.stderr).length, 1, r.stderr);
  }
  const rm = await ovl(["network", "rm", "back", ...at()]);
  assert.is(rm.code, 0, rm.stderr);
  assert.equal((JSON.parse((await ovl(["network", "ls", "--json", ...at()])).stdout) as { name: string }[]).map((r) => r.name), ["ovl"]);
});

test("no broker / no coordinator: one line, exit 1", async () => {
  const noBroker = await ovl(["ps", "--nats", "nats://127.0.0.1:1"]);
  assert.is(noBroker.code, 1);
  assert.is(lines(noBroker.stderr).length, 1);
  assert.match(noBroker.stderr, /cannot reach NATS at nats:\/\/127\.0\.0\.1:1.*ovl broker start/);
  const other = await startNats();
  try {
    const t0 = Date.now();
    const r = await ovl(["ps", "--nats", other.url, "--request-timeout", "1"]);
    assert.is(r.code, 1);
    assert.is(lines(r.stderr).length, 1);
    assert.match(r.stderr, /no coordinator answers.*ovl coordinator/);
    assert.ok(Date.now() - t0 < 8000);
    const ev = await ovl(["events", "--nats", other.url]);
    assert.is(ev.code, 1);
    assert.match(ev.stderr, /^error: no stream OVL_EVENTS .*ovl broker setup/);
  } finally {
    await other.stop();
  }
});

test("events: an invalid event is reported on stderr and skipped", async () => {
  const nc = await nats.connect();
  let junkSeq = 0;
  try {
    junkSeq = (await nc.jetstream().publish(`${subjects.EVENT_SUBJECT_PREFIX}.junk`, new TextEncoder().encode('{"type":"Nope","v":1}'))).seq;
  } finally {
    await nc.close();
  }
  const r = await ovl(["events", "--json", ...at()]);
  assert.is(r.code, 0, r.stderr);
  const seqs = lines(r.stdout).map((l) => JSON.parse(l).seq as number);
  assert.not.ok(seqs.includes(junkSeq));
  assert.is(seqs.length, junkSeq - 1);
  assert.match(r.stderr, new RegExp(`^warning: skipped invalid event seq ${junkSeq} on ovl\\.evt\\.junk: `));
});

test("leave: the node leaves, its simulated agent tears down and exits", async () => {
  const r = await ovl(["leave", "n1", ...at()]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^node n1 is leaving/);
  const code = await Promise.race([agent.exited, new Promise((res) => setTimeout(() => res("timeout"), 15_000))]);
  assert.is(code, 0, agent.output());
  let status = "";
  for (let i = 0; i < 40 && status !== "left"; i++) {
    const rows = JSON.parse((await ovl(["nodes", "--all", "--json", ...at()])).stdout) as { name: string; status: string }[];
    status = rows.find((n) => n.name === "n1")?.status ?? "";
    if (status !== "left") await new Promise((res) => setTimeout(res, 250));
  }
  assert.is(status, "left");
  assert.equal(JSON.parse((await ovl(["nodes", "--json", ...at()])).stdout), []);
  assert.equal(JSON.parse((await ovl(["ps", "--json", ...at()])).stdout), []);
});

test("coordinator stops cleanly on SIGTERM", async () => {
  assert.is(await coordinator.stop(), 0, coordinator.output());
});

test.run();
