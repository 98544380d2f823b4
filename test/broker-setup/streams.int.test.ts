import { test } from "uvu";
import * as assert from "uvu/assert";
import { RetentionPolicy, StorageType, type NatsConnection } from "nats";
import { StreamConfigError, ensureStreams } from "@ovl/broker-setup";
import { startNats, type TestNats } from "../support/nats.js";

let srv: TestNats;
let nc: NatsConnection;

test.before(async () => {
  srv = await startNats();
  nc = await srv.connect();
});
test.after(async () => {
  await nc?.close();
  await srv?.stop();
});

test("creates both streams, then a second run changes nothing", async () => {
  const jsm = await nc.jetstreamManager();
  assert.equal(await ensureStreams(jsm), { OVL_EVENTS: "created", OVL_HEARTBEATS: "created", OVL_SNAPSHOTS: "created" });
  const before = await jsm.streams.info("OVL_EVENTS");
  assert.equal(await ensureStreams(jsm), { OVL_EVENTS: "unchanged", OVL_HEARTBEATS: "unchanged", OVL_SNAPSHOTS: "unchanged" });
  const after = await jsm.streams.info("OVL_EVENTS");
  assert.equal(after.config, before.config);
  assert.is(after.created, before.created);
});

test("an updatable difference is updated back", async () => {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info("OVL_HEARTBEATS");
  await jsm.streams.update("OVL_HEARTBEATS", { ...info.config, max_msgs_per_subject: 5 });
  assert.equal(await ensureStreams(jsm), { OVL_EVENTS: "unchanged", OVL_HEARTBEATS: "updated", OVL_SNAPSHOTS: "unchanged" });
  assert.is((await jsm.streams.info("OVL_HEARTBEATS")).config.max_msgs_per_subject, 1);
});

test("a storage type that cannot change is a clear error naming both values", async () => {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.delete("OVL_HEARTBEATS");
  await jsm.streams.add({ name: "OVL_HEARTBEATS", subjects: ["ovl.hb.>"], storage: StorageType.Memory });
  try {
    await ensureStreams(jsm);
    assert.unreachable("should refuse");
  } catch (err) {
    assert.instance(err, StreamConfigError);
    const e = err as StreamConfigError;
    assert.is(e.code, "CONFLICT");
    assert.is(e.field, "storage");
    assert.is(e.actual, "memory");
    assert.is(e.wanted, "file");
    assert.match(e.message, /stream OVL_HEARTBEATS: storage is "memory", ovl needs "file"/);
  }
  assert.is((await jsm.streams.info("OVL_HEARTBEATS")).config.storage, "memory");
  await jsm.streams.delete("OVL_HEARTBEATS");
});

test("subjects owned by another stream: the error names that stream", async () => {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.delete("OVL_EVENTS");
  await jsm.streams.delete("OVL_SNAPSHOTS").catch(() => false); // whatever the tests before left
  await jsm.streams.add({ name: "OTHER", subjects: ["ovl.evt.node.>"] });
  try {
    await ensureStreams(jsm);
    assert.unreachable("should refuse");
  } catch (err) {
    assert.instance(err, StreamConfigError);
    assert.is((err as StreamConfigError).field, "subjects");
    assert.match((err as Error).message, /OTHER \(ovl\.evt\.node\.>\)/);
  }
  await jsm.streams.delete("OTHER");
  assert.equal(await ensureStreams(jsm), { OVL_EVENTS: "created", OVL_HEARTBEATS: "created", OVL_SNAPSHOTS: "created" });
});

test("a retention that cannot change is refused; creating with replicas 3 on one server names the reason", async () => {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.delete("OVL_EVENTS");
  await jsm.streams.add({ name: "OVL_EVENTS", subjects: ["ovl.evt.>"], retention: RetentionPolicy.Workqueue });
  try {
    await ensureStreams(jsm);
    assert.unreachable("should refuse");
  } catch (err) {
    assert.instance(err, StreamConfigError);
    assert.is((err as StreamConfigError).field, "retention");
    assert.match((err as Error).message, /retention is "workqueue", ovl needs "limits"/);
  }
  await jsm.streams.delete("OVL_EVENTS");
  await jsm.streams.delete("OVL_HEARTBEATS");
  try {
    await ensureStreams(jsm, { replicas: 3 });
    assert.unreachable("should refuse");
  } catch (err) {
    assert.instance(err, StreamConfigError);
    assert.match((err as Error).message, /stream OVL_EVENTS: the server refused to create it: replicas > 1 not supported/);
  }
});

test.run();
