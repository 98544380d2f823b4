/**
 * Backup and restore of OVL_EVENTS between two real nats-servers, with a history made by a
 * real coordinator (join, container lives). Also measures the bytes one container's life
 * (ContainerStarted, ContainerRunning, ContainerStopped) adds to the stream.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JetStreamManager, NatsConnection, StoredMsg } from "nats";
import { subjects } from "@ovl/domain";
import { runCoordinator, type CoordinatorHandle } from "@ovl/coordinator";
import { connectNats, OvlClient, request } from "@ovl/client";
import { backupStream, ensureStreams, restoreStream, startBroker, type Broker } from "@ovl/broker-setup";
import { freePort } from "../support/nats.js";

let dir: string;
const brokers: Broker[] = [];
const conns: NatsConnection[] = [];
let coordinator: CoordinatorHandle | undefined;

async function broker(name: string): Promise<{ b: Broker; nc: NatsConnection; jsm: JetStreamManager }> {
  const b = await startBroker({ port: await freePort(), storeDir: join(dir, name), serverName: name });
  brokers.push(b);
  const nc = await connectNats({ url: b.url, name: `test ${name}`, connectTimeoutMs: 3000, reconnect: false });
  conns.push(nc);
  return { b, nc, jsm: await nc.jetstreamManager() };
}

async function allMessages(jsm: JetStreamManager): Promise<StoredMsg[]> {
  const last = (await jsm.streams.info(subjects.STREAM_EVENTS)).state.last_seq;
  const out: StoredMsg[] = [];
  for (let seq = 1; seq <= last; seq++) out.push(await jsm.streams.getMessage(subjects.STREAM_EVENTS, { seq }));
  return out;
}

const view = (m: StoredMsg) => ({
  seq: m.seq,
  subject: m.subject,
  data: Buffer.from(m.data).toString("base64"),
  headers: m.header ? [...m.header].map(([k, v]) => `${k}=${v.join("|")}`).sort() : [],
});

const bytes = async (jsm: JetStreamManager) => (await jsm.streams.info(subjects.STREAM_EVENTS)).state.bytes;

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), "ovl-backup-"));
});
test.after(async () => {
  await coordinator?.stop();
  for (const nc of conns) await nc.close().catch(() => {});
  for (const b of brokers) await b.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("a container's life adds a measured number of bytes; backup then restore gives the same messages and sequences", async () => {
  const a = await broker("a");
  await ensureStreams(a.jsm);
  const cnc = await connectNats({ url: a.b.url, name: "coordinator", connectTimeoutMs: 3000, reconnect: false });
  conns.push(cnc);
  coordinator = await runCoordinator({ nc: cnc, dbPath: join(dir, "coord.db"), setupStreams: false, cluster: { cidr: "198.19.0.0/18" } });
  await request(a.nc, subjects.reportSubject("n1", "join"), { node: "n1", underlayIp: "198.18.0.11", agentVersion: "test" }, { timeoutMs: 5000 });
  const client = new OvlClient(a.nc);
  const N = 20;
  const before = await bytes(a.jsm);
  for (let i = 0; i < N; i++) {
    const name = `web-${i}`;
    const placed = await client.run({ name, node: "n1", image: "ovl/busybox:latest", cmd: ["httpd", "-f", "-p", "80"], ports: [{ host: 18080 + i, container: 80, proto: "tcp" }] });
    await request(a.nc, subjects.reportSubject("n1", "container"), { node: "n1", name, ip: placed.ip, state: "running" }, { timeoutMs: 5000 });
    await client.rm(name);
  }
  const perLife = (await bytes(a.jsm) - before) / N;
  console.log(`  one container's life (Started, Running, Stopped): ${perLife} bytes in OVL_EVENTS`);
  assert.ok(perLife > 300 && perLife < 4000, `${perLife}`);

  const file = join(dir, "events.ndjson");
  const saved = await backupStream(a.nc, file);
  const original = await allMessages(a.jsm);
  assert.is(saved.messages, original.length);
  assert.is(statSync(file).mode & 0o777, 0o600);
  const lines = readFileSync(file, "utf8").trim().split("\n");
  assert.is(lines.length, original.length + 1);
  assert.is(JSON.parse(lines[0]!).stream, "OVL_EVENTS");

  const b = await broker("b");
  const restored = await restoreStream(b.nc, file);
  assert.is(restored.messages, original.length);
  assert.equal((await allMessages(b.jsm)).map(view), original.map(view));

  // Into a stream that is not empty: refused, nothing added.
  const again = await restoreStream(b.nc, file).then(() => null, (e: Error) => e.message);
  assert.match(String(again), /stream OVL_EVENTS is not empty \(\d+ messages, last sequence \d+\): restore only into an empty stream/);
  assert.is((await b.jsm.streams.info(subjects.STREAM_EVENTS)).state.messages, original.length);
});

test("a damaged or truncated backup is refused before anything is written", async () => {
  const c = await broker("c");
  const file = join(dir, "events.ndjson");
  const lines = readFileSync(file, "utf8").trim().split("\n");
  const cases: [string, string, RegExp][] = [
    ["truncated", lines.slice(0, -1).join("\n"), /is truncated: it ends at sequence \d+ but its header says \d+/],
    ["hole", [lines[0], ...lines.slice(2)].join("\n"), /sequence 2 where 1 was expected/],
    ["not json", [lines[0], "{oops"].join("\n"), /line 2: not JSON/],
    ["not a backup", '{"hello":1}', /is not an ovl backup/],
    ["bad subject", [lines[0], lines[1]!.replace(/"subject":"[^"]+"/, '"subject":"ovl.cmd.run"')].join("\n"), /is not an event subject/],
  ];
  for (const [what, text, why] of cases) {
    const bad = join(dir, `bad-${what.replace(" ", "-")}.ndjson`);
    writeFileSync(bad, text + "\n");
    const err = await restoreStream(c.nc, bad).then(() => null, (e: Error) => e.message);
    assert.match(String(err), why, what);
  }
  const info = await c.jsm.streams.info(subjects.STREAM_EVENTS).catch(() => null);
  assert.is(info, null, "nothing was created on the server");
});

test.run();
