/**
 * The JetStream API error codes ovl reads (the server's `err_code`, not the HTTP-like
 * `code`), in one table: every reader asks `jsApiErrorCode(err)` and compares with it.
 */
import { NatsError } from "nats";

export const JsApiErrorCodes = {
  /** No message at that sequence (or for that subject). */
  NoMessageFound: 10037,
  /** The stream does not exist (yet). */
  StreamNotFound: 10059,
  /** Another stream already captures some of the subjects. */
  SubjectsOverlap: 10065,
  /** Nats-Expected-Last-Msg-Id did not match: the previous append did not land. */
  WrongLastMsgId: 10070,
  /** Nats-Expected-Last-Sequence did not match: another writer appended first. */
  WrongLastSequence: 10071,
} as const;
export type JsApiErrorCode = (typeof JsApiErrorCodes)[keyof typeof JsApiErrorCodes];

/** The JetStream API error code an error from the nats client carries, if any. Pure. */
export function jsApiErrorCode(err: unknown): number | undefined {
  return err instanceof NatsError ? err.api_error?.err_code : undefined;
}
