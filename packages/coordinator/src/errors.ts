/**
 * Typed errors of the coordinator's own machinery (refusals of requests are the domain's
 * OvlError). Callers branch on `code`, never on text.
 */
import { CodedError } from "@ovl/domain";

export const CoordinatorErrorCodes = {
  /** The server refused the append: a JetStream API error (`errCode`) or an error status. */
  AppendRefused: "APPEND_REFUSED",
  /** No PubAck came back in time. */
  AppendTimeout: "APPEND_TIMEOUT",
  /** The append could not be sent, or its PubAck could not be read. */
  AppendFailed: "APPEND_FAILED",
} as const;
export type CoordinatorErrorCode = (typeof CoordinatorErrorCodes)[keyof typeof CoordinatorErrorCodes];
