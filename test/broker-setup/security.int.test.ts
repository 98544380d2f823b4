/**
 * Identities and subject permissions on a real nats-server started from ovl's rendered
 * config: each refusal shown (PERMISSIONS_VIOLATION), each allowed path working against a
 * real coordinator, credentials files 0600, and an identity added by reload without
 * dropping anyone.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { NatsError, type NatsConnection } from "nats";
import { subjects, encodeJson } from "@ovl/domain";
import { runCoordinator, type CoordinatorHandle } from "@ovl/coordinator";
import { BrokerError, BrokerErrorCodes, connectNats, OvlClient, readEvents, request } from "@ovl/client";
import { CREDS_DIR, addIdentity, credsFileFor, loadIdentities, reloadAll, removeIdentity } from "@ovl/broker-setup";
import { nextViolation, secureBed, type SecureBed } from "./secure-support.js";

let bed: SecureBed;
let coordinator: CoordinatorHandle;

const isViolation = (err: unknown): boolean => err instanceof NatsError && err.code === "PERMISSIONS_VIOLATION";
const beat = (node: string) => encodeJson({ node, time: new Date().toISOString(), cpu: 0.1, memFree: 1000, memTotal: 2000, agentVersion: "test" });
const joinBody = (node: string, ip: string) => ({ node, underlayIp: ip, agentVersion: "test", lanMtu: 1500 });

async function rejects(what: string, p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    assert.ok(isViolation(err), `${what}: expected PERMISSIONS_VIOLATION, got ${(err as Error).message}`);
    return err as Error;
  }
  assert.unreachable(`${what} was allowed`);
  throw new Error("unreachable");
}

test.before(async () => {
  bed = await secureBed();
  const cnc = await bed.as("coordinator");
  coordinator = await runCoordinator({ nc: cnc, dbPath: join(bed.dir, "coord.db"), setupStreams: false, cluster: { cidr: "198.19.0.0/18" } });
});
test.after(async () => {
  await coordinator?.stop();
  await bed?.close();
});

test("credentials files are 0600 in a 0700 directory, and the server config holds no seed", () => {
  assert.is(statSync(join(bed.dir, CREDS_DIR)).mode & 0o777, 0o700);
  const conf = readFileSync(join(bed.dir, "nats-server.conf"), "utf8");
  for (const id of loadIdentities(bed.dir)) {
    const file = credsFileFor(bed.dir, id.user);
    assert.is(statSync(file).mode & 0o777, 0o600, file);
    const seed = JSON.parse(readFileSync(file, "utf8")).seed as string;
    assert.ok(seed.startsWith("SU"));
    assert.not.ok(conf.includes(seed), "seed in the server config");
    assert.ok(conf.includes(id.nkey), `${id.user}'s public key in the config`);
  }
});

test("no credentials: refused with a clear error", async () => {
  try {
    await connectNats({ url: bed.url, name: "anon", connectTimeoutMs: 3000, reconnect: false });
    assert.unreachable("anonymous connection accepted");
  } catch (err) {
    assert.match((err as Error).message, /refused the connection: it requires credentials: pass --creds/);
    assert.ok(err instanceof BrokerError && err.code === BrokerErrorCodes.AuthFailed, String(err));
  }
});

test("an agent cannot append an event, beat for another node or join as another node", async () => {
  const nc = await bed.as("agent-n1");
  const js = nc.jetstream();
  await rejects("agent js.publish ovl.evt.node.x", js.publish("ovl.evt.node.x", encodeJson({ forged: true })));
  const seen = nextViolation(nc);
  nc.publish(subjects.heartbeatSubject("n2"), beat("n2"));
  assert.equal(await seen, { operation: "publish", subject: "ovl.hb.n2" });
  await rejects("agent n1 beating for n2 (js)", js.publish(subjects.heartbeatSubject("n2"), beat("n2")));
  await rejects("agent n1 joining as n2", nc.request(subjects.reportSubject("n2", "join"), encodeJson({ id: "forged-join-1", body: joinBody("n2", "198.18.0.12") }), { timeout: 3000 }));
  await rejects("agent sending a command", nc.request(subjects.commandSubject("run"), encodeJson({ id: "forged-run-01", body: {} }), { timeout: 3000 }));
  const admin = await (await bed.as("admin")).jetstreamManager();
  const info = await admin.streams.info(subjects.STREAM_EVENTS, { subjects_filter: ">" });
  assert.not.ok(Object.keys(info.state.subjects ?? {}).includes("ovl.evt.node.x"));
  assert.not.ok(Object.keys(info.state.subjects ?? {}).some((s) => s.includes("n2")));
});

test("an agent joins, beats and follows OVL_EVENTS with an ordered consumer", async () => {
  const nc = await bed.as("agent-n1");
  const joined = await request<{ node: string }>(nc, subjects.reportSubject("n1", "join"), joinBody("n1", "198.18.0.11"), { timeoutMs: 5000 });
  assert.is(joined.node, "n1");
  nc.publish(subjects.heartbeatSubject("n1"), beat("n1"));
  await nc.flush();
  const admin = await (await bed.as("admin")).jetstreamManager();
  const hb = await admin.streams.getMessage(subjects.STREAM_HEARTBEATS, { last_by_subj: "ovl.hb.n1" });
  assert.is(JSON.parse(new TextDecoder().decode(hb.data)).node, "n1");
  const types: string[] = [];
  for await (const item of readEvents(nc)) if (item.ok) types.push(item.event.type);
  assert.ok(types.includes("ClusterCreated") && types.includes("NodeJoined") && types.includes("SubnetAssigned"), types.join(","));
});

test("an operator runs a command and reads; a viewer queries and reads but sends no command", async () => {
  const operator = new OvlClient(await bed.as("operator"));
  const placed = await operator.run({ name: "web", node: "n1", image: "busybox", cmd: [], ports: [] });
  assert.is(placed.node, "n1");
  const viewerNc = await bed.as("viewer");
  const viewer = new OvlClient(viewerNc);
  assert.ok((await viewer.ps()).some((r) => r.name === "web"));
  assert.ok((await viewer.nodes()).some((n) => n.name === "n1"));
  // Through @ovl/client the refusal surfaces in the error's message (its cause is the violation).
  const refused = await viewer.run({ name: "evil", image: "busybox", cmd: [], ports: [] }, { timeoutMs: 1500 }).then(() => null, (e: Error) => e);
  assert.ok(refused && isViolation(refused.cause), `viewer run: ${refused?.message}`);
  assert.match(refused!.message, /Permissions Violation for Publish to "ovl\.cmd\.run"/);
  assert.is((refused as { code?: string }).code, "FORBIDDEN", "a refusal is final, not retried into a timeout");
  await rejects("viewer rm", viewerNc.request(subjects.commandSubject("rm"), encodeJson({ id: "viewer-rm-0001", body: { name: "web" } }), { timeout: 3000 }));
  let read = 0;
  for await (const item of readEvents(viewerNc)) if (item.ok) read++;
  assert.ok(read >= 4);
  assert.ok((await operator.ps()).some((r) => r.name === "web"), "the refused rm changed nothing");
});

test("a client cannot read another client's replies (own inbox prefix only)", async () => {
  const nc = await bed.as("viewer");
  const sub = nc.subscribe("_INBOX_operator.>");
  const done = (async () => {
    for await (const _ of sub) return "message";
    return "ended";
  })().catch((err: Error) => err.message);
  assert.match(String(await done), /Permissions Violation for Subscription to "_INBOX_operator\.>"/);
});

test("adding a node's identity and reloading lets it in without dropping anyone", async () => {
  const old: NatsConnection = await bed.as("agent-n2", { reconnect: true });
  const events: string[] = [];
  void (async () => {
    for await (const s of old.status()) events.push(s.type);
  })();
  const added = addIdentity(bed.dir, "agent", "n3");
  const results = await reloadAll(bed.dir);
  assert.equal(results.map((r) => r.outcome), ["reloaded"]);
  const n3 = await bed.as("agent-n3");
  await request(n3, subjects.reportSubject("n3", "join"), joinBody("n3", "198.18.0.13"), { timeoutMs: 5000 });
  await rejects("n3 beating for n1", n3.jetstream().publish(subjects.heartbeatSubject("n1"), beat("n1")));
  old.publish(subjects.heartbeatSubject("n2"), beat("n2"));
  await old.flush();
  assert.not.ok(events.includes("disconnect"), `existing connection saw ${events.join(",")}`);
  assert.is(added.credsFile, credsFileFor(bed.dir, "agent-n3"));
  // Removing it again: its connection is closed by the server, the others stay.
  assert.ok(removeIdentity(bed.dir, "agent-n3"));
  await reloadAll(bed.dir);
  await n3.closed();
  assert.not.ok(events.includes("disconnect"));
  assert.not.ok(old.isClosed());
});

test("the allowed paths caused no violation: the server logged only the refusals above", () => {
  const lines = readFileSync(bed.broker.logFile, "utf8").split("\n").filter((l) => /Violation/.test(l));
  const subjectsSeen = new Set(lines.map((l) => /Subject "([^"]+)"/.exec(l)?.[1] ?? l));
  const expected = ["ovl.evt.node.x", "ovl.hb.n2", "ovl.rpt.n2.join", "ovl.cmd.run", "ovl.cmd.rm", "_INBOX_operator.>", "ovl.hb.n1"];
  assert.ok(subjectsSeen.size >= 5, `only ${[...subjectsSeen].join(", ")}`);
  assert.equal([...subjectsSeen].filter((x) => !expected.includes(x)), [], lines.join("\n"));
});

test.run();
