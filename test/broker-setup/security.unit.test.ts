import { test } from "uvu";
import * as assert from "uvu/assert";
import { nkeys } from "nats";
import { subjects } from "@ovl/domain";
import {
  canSyncAlways,
  durabilityWarning,
  parseServerVersion,
  permissionsFor,
  renderServerConfig,
  userFor,
} from "@ovl/broker-setup";
import { parseCredentials, parseRole } from "@ovl/client";

const appSubjects = (list: readonly string[]) => list.filter((s) => !s.startsWith("$JS.") && !s.startsWith("_INBOX_"));

test("only the coordinator may append events; it answers requests through allow_responses", () => {
  const c = permissionsFor("coordinator", "coordinator")!;
  assert.ok(c.publish.includes(subjects.EVENTS_WILDCARD));
  assert.ok(c.allowResponses);
  assert.not.ok(c.publish.some((s) => s.includes("DELETE.OVL_EVENTS") && s.includes("STREAM")), "no stream deletion");
  for (const role of ["agent", "operator", "viewer"] as const) {
    const p = permissionsFor(role, userFor(role, role === "agent" ? "n1" : undefined), "n1")!;
    assert.not.ok(p.publish.some((s) => s.startsWith("ovl.evt")), role);
    assert.not.ok(p.publish.some((s) => s.includes("STREAM.CREATE") || s.includes("STREAM.UPDATE") || s.includes("STREAM.PURGE")), role);
    assert.not.ok(p.allowResponses, role);
  }
  assert.is(permissionsFor("admin", "admin"), null);
});

test("an agent sends only its own node's reports and heartbeat, and reads only OVL_EVENTS and the snapshots", () => {
  const p = permissionsFor("agent", "agent-n1", "n1")!;
  assert.equal(appSubjects(p.publish), ["ovl.rpt.n1.*", "ovl.hb.n1"]);
  assert.equal(p.subscribe, ["_INBOX_agent-n1.>", "ovl.agent.n1.>"]);
  assert.equal(p.responses, { max: 100_000, expiresSec: 120 });
  assert.ok(p.publish.every((s) => !s.startsWith("$JS.") || s.includes(".OVL_EVENTS") || /^\$JS\.API\.STREAM\.(INFO|MSG\.GET)\.OVL_SNAPSHOTS$/.test(s)));
  assert.throws(() => permissionsFor("agent", "agent-n2", "n1"), /does not match node n1/);
});

test("an operator sends commands, queries and all agent requests; a viewer only queries, logs and inspect (no exec, no check)", () => {
  const op = permissionsFor("operator", "operator")!;
  const viewer = permissionsFor("viewer", "viewer")!;
  const agent = (kind: string) => [`ovl.agent.*.${kind}`, `ovl.agent.*.${kind}.*`];
  assert.equal(appSubjects(op.publish), [subjects.COMMANDS_WILDCARD, subjects.QUERIES_WILDCARD, ...agent("logs"), ...agent("exec"), ...agent("inspect"), ...agent("check")]);
  assert.equal(appSubjects(viewer.publish), [subjects.QUERIES_WILDCARD, ...agent("logs"), ...agent("inspect")]);
  assert.equal(viewer.subscribe, ["_INBOX_viewer.>", subjects.HEARTBEATS_WILDCARD, subjects.EVENTS_WILDCARD]);
});

test("user names and roles are validated", () => {
  assert.is(userFor("agent", "n1"), "agent-n1");
  assert.is(userFor("operator", "ci"), "operator-ci");
  assert.is(userFor("viewer"), "viewer");
  assert.throws(() => userFor("agent"), /needs its node name/);
  assert.throws(() => userFor("agent", "N1;rm"), /invalid name/);
  assert.throws(() => parseRole("root"), /invalid role "root": one of admin, coordinator, agent, operator, viewer/);
});

test("the config renders the account, NKey users, TLS, and sync_interval only when asked", () => {
  const kp = nkeys.createUser();
  const text = renderServerConfig({
    storeDir: "/s",
    identities: [{ user: "agent-n1", role: "agent", node: "n1", nkey: kp.getPublicKey() }],
    tls: { certFile: "/t/server.pem", keyFile: "/t/server-key.pem", caFile: "/t/ca.pem", verify: true },
    cluster: { routes: ["nats-route://127.0.0.1:6222"] },
    pidFile: "/s/pid",
  });
  assert.match(text, /accounts \{\n  OVL \{\n    jetstream: enabled/);
  assert.match(text, new RegExp(`nkey: "${kp.getPublicKey()}", permissions: \\{ publish: \\{ allow: \\["ovl\\.rpt\\.n1\\.\\*", "ovl\\.hb\\.n1"`));
  assert.match(text, /^tls \{\n  cert_file: "\/t\/server\.pem"[\s\S]*?verify: true/m);
  assert.match(text, /cluster \{[\s\S]*  tls \{[\s\S]*verify: true/);
  assert.match(text, /^pid_file: "\/s\/pid"$/m);
  assert.not.match(text, /sync_interval/);
  assert.match(renderServerConfig({ storeDir: "/s", syncAlways: true }), /^  sync_interval: always$/m);
  assert.throws(() => renderServerConfig({ storeDir: "/s", tls: { certFile: '/a"b', keyFile: "/k", caFile: "/c" } }), /no quotes/);
});

test("server versions: 2.9 cannot sync before the ack and gets a warning, 2.10 can", () => {
  const old = parseServerVersion("nats-server: v2.9.10\n");
  assert.equal([old.major, old.minor, old.patch], [2, 9, 10]);
  assert.not.ok(canSyncAlways(old));
  assert.match(durabilityWarning(old)!, /nats-server 2\.9\.10 cannot sync to disk before acknowledging/);
  assert.ok(canSyncAlways(parseServerVersion("nats-server: v2.10.0")));
  assert.is(durabilityWarning(parseServerVersion("v2.11.3")), null);
  assert.throws(() => parseServerVersion("garbage"), /cannot read the nats-server version/);
});

test("credentials files are checked and their errors never show the seed", () => {
  const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
  const good = JSON.stringify({ kind: "ovl-nats-identity", v: 1, user: "viewer", role: "viewer", seed });
  assert.is(parseCredentials(good, "f").user, "viewer");
  for (const bad of ["not json", JSON.stringify({ kind: "x", user: "v", role: "viewer", seed }), JSON.stringify({ kind: "ovl-nats-identity", user: "v", role: "viewer", seed: seed.slice(0, -3) + "AAA" })]) {
    try {
      parseCredentials(bad, "f");
      assert.unreachable("accepted");
    } catch (err) {
      assert.not.ok((err as Error).message.includes(seed.slice(4, 20)), "seed in the message");
      assert.match((err as Error).message, /^f/);
    }
  }
});

test.run();
