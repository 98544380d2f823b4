/**
 * The one follower of OVL_EVENTS (packages/client/src/follow-stream.ts) against a real nats-server:
 * in order, each message once, from a sequence; across the server killed -9 and started
 * again; across its consumer deleted from under it (no reconnect to notice: the missed
 * heartbeats must); and stop() leaves no consumer behind.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { NatsConnection } from "nats";
import { followStream, roundDelayMs } from "@ovl/client";
import { ensureStreams } from "@ovl/broker-setup";
import { subjects } from "@ovl/domain";
import { startNats, type TestNats } from "../support/nats.js";
import { waitFor } from "../support/wait.js";

let srv: TestNats;
let nc: NatsConnection;
test.before(async () => {
  srv = await startNats();
  nc = await srv.connect({ maxReconnectAttempts: -1 });
  await ensureStreams(await nc.jetstreamManager());
});
test.after(async () => {
  await nc?.close().catch(() => undefined);
  await srv?.stop();
});

const STREAM = subjects.STREAM_EVENTS;
let appended = 0;
async function append(n: number, subject = `${subjects.EVENT_SUBJECT_PREFIX}.test.a`): Promise<number> {
  const js = nc.jetstream();
  let last = 0;
  for (let i = 0; i < n; i++) {
    // After a restart the connection comes back on its own schedule: retry the same id.
    for (let attempt = 0; ; attempt++) {
      try {
        last = (await js.publish(subject, JSON.stringify({ i }), { msgID: `${subject}-${appended}`, timeout: 2000 })).seq;
        break;
      } catch (err) {
        if (attempt >= 10) throw err;
      }
    }
    appended += 1;
  }
  return last;
}
const consumers = async () => (await (await nc.jetstreamManager()).consumers.list(STREAM).next()).length;

test("round delay: none after a clean end, then 100 ms doubling to 2 s", () => {
  assert.equal([0, 1, 2, 3, 5, 6, 9].map(roundDelayMs), [0, 100, 200, 400, 1600, 2000, 2000]);
});

test("from a sequence, in order, once; across two kill -9 restarts with appends in between", async () => {
  const first = await append(30);
  const seen: number[] = [];
  const logs: string[] = [];
  const f = followStream({ nc, stream: STREAM, from: 11, onMessage: (m) => seen.push(m.seq), log: (l) => logs.push(l) });
  try {
    await waitFor("the history from 11", () => seen.at(-1) === first, 10_000);
    let last = first;
    for (let r = 0; r < 2; r++) {
      await srv.restart();
      last = await append(20);
      await waitFor(`events after restart ${r + 1}`, () => seen.at(-1) === last, 20_000);
    }
    assert.equal(seen, Array.from({ length: last - 10 }, (_, i) => i + 11), "every sequence from 11 once, in order");
    assert.ok(logs.some((l) => /reconnected; resuming at/.test(l)), `a new round after the reconnect: ${logs.join(" | ")}`);
  } finally {
    await f.stop();
  }
  await waitFor("its consumer deleted", async () => (await consumers()) === 0, 5000);
});

test("its consumer deleted on the server: the missed heartbeats start a new round, nothing lost", async () => {
  const before = await append(5);
  const seen: number[] = [];
  const logs: string[] = [];
  const f = followStream({ nc, stream: STREAM, from: before + 1, onMessage: (m) => seen.push(m.seq), log: (l) => logs.push(l) });
  try {
    await waitFor("a consumer", async () => (await consumers()) === 1, 5000);
    const jsm = await nc.jetstreamManager();
    const [info] = await jsm.consumers.list(STREAM).next();
    await jsm.consumers.delete(STREAM, info!.name);
    const last = await append(10);
    await waitFor("the events appended after the delete", () => seen.at(-1) === last, 20_000);
    assert.equal(seen, Array.from({ length: 10 }, (_, i) => before + 1 + i));
    assert.ok(logs.some((l) => /resuming at|retrying at/.test(l)), logs.join(" | "));
  } finally {
    await f.stop();
  }
});

test("a filter: only its subject, each once", async () => {
  const from = (await append(1)) + 1;
  await append(3, `${subjects.EVENT_SUBJECT_PREFIX}.test.b`);
  await append(2, `${subjects.EVENT_SUBJECT_PREFIX}.test.a`);
  const last = await append(2, `${subjects.EVENT_SUBJECT_PREFIX}.test.b`);
  const seen: string[] = [];
  const f = followStream({ nc, stream: STREAM, from, filter: `${subjects.EVENT_SUBJECT_PREFIX}.test.b`, onMessage: (m) => seen.push(`${m.seq}:${m.subject}`), log: () => undefined });
  try {
    await waitFor("the filtered events", () => seen.length === 5, 10_000);
    assert.equal(seen.map((s) => s.split(":")[1]), Array(5).fill(`${subjects.EVENT_SUBJECT_PREFIX}.test.b`));
    assert.is(Number(seen.at(-1)!.split(":")[0]), last);
  } finally {
    await f.stop();
  }
});

test.run();
