/** Waiting for JetStream to answer (packages/broker-setup/src/retry.ts). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ErrorCode, NatsError } from "nats";
import { BrokerErrorCodes, NoAnswerError, isTransient, whenAnswered } from "@ovl/broker-setup";

test("a timeout, no responders and a 408 are transient; an API error or a plain error is not", () => {
  assert.ok(isTransient(NatsError.errorForCode(ErrorCode.Timeout)));
  assert.ok(isTransient(NatsError.errorForCode(ErrorCode.NoResponders)));
  assert.ok(isTransient(NatsError.errorForCode(ErrorCode.JetStream408RequestTimeout)));
  assert.not.ok(isTransient(NatsError.errorForCode(ErrorCode.BadJson)));
  assert.not.ok(isTransient(new Error("TIMEOUT")));
});

test("whenAnswered: retries the transient ones, logs each, returns the answer", async () => {
  let calls = 0;
  const logs: string[] = [];
  const v = await whenAnswered("step", async () => {
    if (++calls < 3) throw NatsError.errorForCode(ErrorCode.Timeout);
    return 42;
  }, (l) => logs.push(l));
  assert.is(v, 42);
  assert.is(calls, 3);
  assert.is(logs.length, 2);
  assert.match(logs[0]!, /^step: .*retrying$/);
});

test("whenAnswered: any other error is final at once; a transient one after the deadline too", async () => {
  let calls = 0;
  const err = await whenAnswered("step", async () => {
    calls++;
    throw new Error("stream config differs");
  }, () => undefined).catch((e: Error) => e);
  assert.is((err as Error).message, "stream config differs");
  assert.is(calls, 1);
  const late = await whenAnswered("step", async () => {
    throw NatsError.errorForCode(ErrorCode.Timeout);
  }, () => undefined, 0).catch((e: unknown) => e);
  assert.instance(late, NoAnswerError);
  assert.is((late as NoAnswerError).code, BrokerErrorCodes.NoAnswer);
  assert.is((late as NoAnswerError).natsCode, ErrorCode.Timeout);
});

test.run();
