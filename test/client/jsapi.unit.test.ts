/** The table of JetStream API error codes ovl reads (packages/client/src/jsapi.ts). */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ErrorCode, NatsError } from "nats";
import { JsApiErrorCodes, jsApiErrorCode } from "@ovl/client";

/** A NatsError as the client builds it from a JetStream API error reply. */
const apiError = (err_code: number, description: string): NatsError => {
  const e = new NatsError(description, ErrorCode.JetStreamInvalidAck);
  e.api_error = { code: 404, err_code, description };
  return e;
};

test("the codes are the server's err_code values", () => {
  assert.equal(JsApiErrorCodes, { NoMessageFound: 10037, StreamNotFound: 10059, SubjectsOverlap: 10065, WrongLastMsgId: 10070, WrongLastSequence: 10071 });
});

test("jsApiErrorCode: the err_code of a NatsError that carries an API error", () => {
  assert.is(jsApiErrorCode(apiError(10059, "stream not found")), JsApiErrorCodes.StreamNotFound);
  assert.is(jsApiErrorCode(apiError(10071, "wrong last sequence: 4")), JsApiErrorCodes.WrongLastSequence);
});

test("jsApiErrorCode: undefined for a NatsError without one, a plain error, or no error", () => {
  assert.is(jsApiErrorCode(NatsError.errorForCode(ErrorCode.Timeout)), undefined);
  assert.is(jsApiErrorCode(Object.assign(new Error("look-alike"), { api_error: { err_code: 10059 } })), undefined);
  assert.is(jsApiErrorCode(undefined), undefined);
  assert.is(jsApiErrorCode("10059"), undefined);
});

test.run();
