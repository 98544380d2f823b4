/** The coordinator's own append path (appender.ts) against a real nats-server: acks, API errors, no stream. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { NatsConnection } from "nats";
import { ensureStreams } from "@ovl/broker-setup";
import { JsApiErrorCodes } from "@ovl/client";
import { subjects } from "@ovl/domain";
import { Appender, AppendError, CoordinatorErrorCodes, parseAck, type Ack, type Expect } from "@ovl/coordinator";
import { startNats, type TestNats } from "../support/nats.js";

let srv: TestNats;
let nc: NatsConnection;
let app: Appender;
test.before(async () => {
  srv = await startNats();
  nc = await srv.connect();
  await ensureStreams(await nc.jetstreamManager());
  app = new Appender(nc, 2000);
});
test.after(async () => {
  app?.close();
  await nc?.close();
  await srv?.stop();
});

const send = (subject: string, expect: Expect): Promise<Ack | AppendError> =>
  new Promise((r) => app.append(subject, new TextEncoder().encode("{}"), expect, (err, ack) => r(err ?? ack!)));

test("parseAck: an ack, an API error, garbage", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.equal(parseAck(enc('{"stream":"S","seq":3}')), { seq: 3, duplicate: false });
  assert.equal(parseAck(enc('{"stream":"S","seq":3,"duplicate":true}')), { seq: 3, duplicate: true });
  const err = parseAck(enc('{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 4"}}'));
  assert.instance(err, AppendError);
  assert.is((err as AppendError).errCode, JsApiErrorCodes.WrongLastSequence);
  assert.is((err as AppendError).code, CoordinatorErrorCodes.AppendRefused);
  assert.instance(parseAck(enc("nope")), AppendError);
  assert.is((parseAck(enc("nope")) as AppendError).code, CoordinatorErrorCodes.AppendFailed);
});

test("appends in order, then refuses stale expectations with the API codes, and flags duplicates", async () => {
  const s = subjects.clusterEventSubject();
  const [a, b] = await Promise.all([
    send(s, { msgId: "a", lastSequence: 0, lastMsgId: null }),
    send(s, { msgId: "b", lastSequence: 1, lastMsgId: "a" }),
  ]);
  assert.equal([a, b], [{ seq: 1, duplicate: false }, { seq: 2, duplicate: false }]);
  const stale = await send(s, { msgId: "c", lastSequence: 1, lastMsgId: null });
  assert.is((stale as AppendError).errCode, JsApiErrorCodes.WrongLastSequence);
  const wrongPrev = await send(s, { msgId: "c", lastSequence: 2, lastMsgId: "a" });
  assert.is((wrongPrev as AppendError).errCode, JsApiErrorCodes.WrongLastMsgId);
  assert.equal(await send(s, { msgId: "b", lastSequence: 2, lastMsgId: null }), { seq: 2, duplicate: true });
  assert.is(app.inflight, 0);
});

test("a subject no stream captures fails at once (no responders)", async () => {
  const r = await send("nowhere.at.all", { msgId: "x", lastSequence: 0, lastMsgId: null });
  assert.instance(r, AppendError);
  assert.is((r as AppendError).code, CoordinatorErrorCodes.AppendRefused);
  assert.match((r as AppendError).message, /503/);
});

test.run();
