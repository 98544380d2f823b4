/**
 * Reading the coordinators' beats says which of three it was: beats read, none (no stream, or
 * no coordinator beat), or could not be read in time. The last is made real by a heartbeat
 * stream that takes no more consumers: every attempt to read fails, as while a broker elects
 * a stream leader, and at the deadline the read stops asking.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { NatsConnection } from "nats";
import { ensureStreams } from "@ovl/broker-setup";
import { OvlClient, readCoordinatorBeats, readStatus } from "@ovl/client";
import { statusText } from "@ovl/cli";
import { presenceBeat, presenceId } from "@ovl/coordinator";
import { encodeJson, subjects } from "@ovl/domain";
import { startNats, type TestNats } from "../support/nats.js";

let nats: TestNats | undefined;
let nc: NatsConnection | undefined;

const fresh = async (): Promise<NatsConnection> => {
  await nc?.close();
  await nats?.stop();
  nats = await startNats();
  nc = await nats.connect();
  return nc;
};

test.after(async () => {
  await nc?.close();
  await nats?.stop();
});

test("no heartbeat stream: read, none", async () => {
  const nc = await fresh();
  assert.equal(await readCoordinatorBeats(nc), { read: true, beats: [] });
});

test("a coordinator's beat: read; the stream keeps no consumer of it", async () => {
  const nc = await fresh();
  const jsm = await nc.jetstreamManager();
  await ensureStreams(jsm);
  assert.equal(await readCoordinatorBeats(nc), { read: true, beats: [] }, "a stream without beats: none");
  const id = presenceId("host-a", "/tmp/c.db");
  const beat = presenceBeat(id, "host-a", new Date(), "0.1.0+abc", { seq: 7, since: new Date().toISOString() });
  await nc.jetstream().publish(subjects.coordinatorBeatSubject(id), encodeJson(beat));
  assert.equal(await readCoordinatorBeats(nc), { read: true, beats: [beat] });
  assert.is((await jsm.streams.info(subjects.STREAM_HEARTBEATS)).state.consumer_count, 0);
});

test("the consumer cannot be made until the deadline: could not read, and no attempt after it", async () => {
  const nc = await fresh();
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: subjects.STREAM_HEARTBEATS, subjects: [subjects.HEARTBEATS_WILDCARD], max_consumers: 1 });
  await jsm.consumers.add(subjects.STREAM_HEARTBEATS, { durable_name: "taken" });
  let attempts = 0;
  const seen = nc.subscribe(`$JS.API.CONSUMER.CREATE.${subjects.STREAM_HEARTBEATS}`, { callback: () => attempts++ });
  const t0 = Date.now();
  const r = await readCoordinatorBeats(nc, 1000, 1500);
  const took = Date.now() - t0;
  assert.is(r.read, false);
  assert.match(r.read ? "" : r.why, /within 1\.5 s/);
  assert.ok(took >= 1400 && took < 2500, `answered after ${took} ms`);
  assert.ok(attempts >= 2, `made again while it failed (${attempts} attempts)`);
  const atDeadline = attempts;
  await new Promise((r) => setTimeout(r, 1000));
  assert.is(attempts, atDeadline, "no attempt after the deadline");
  seen.unsubscribe();
});

test("ovl status with the beats unreadable: coordinators unknown, in its text and its JSON", async () => {
  const nc = await fresh();
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: subjects.STREAM_EVENTS, subjects: [subjects.EVENTS_WILDCARD] });
  await jsm.streams.add({ name: subjects.STREAM_HEARTBEATS, subjects: [subjects.HEARTBEATS_WILDCARD], max_consumers: 1 });
  await jsm.consumers.add(subjects.STREAM_HEARTBEATS, { durable_name: "taken" });
  const client = await OvlClient.connect({ url: nats!.url, reconnect: false });
  try {
    const s = await readStatus(client);
    assert.equal(s.coordinators, []);
    assert.match(s.coordinatorsError ?? "", /^no answer from the broker within 3 s$/);
    assert.match(JSON.stringify(s), /"coordinatorsError":"no answer from the broker within 3 s"/);
    assert.is(statusText(s).split("\n")[1], "coordinators: unknown (the beats could not be read: no answer from the broker within 3 s)");
  } finally {
    await client.close();
  }
});

test.run();
