/**
 * Typed errors of reaching NATS, with stable codes: callers branch on `code`, never on the
 * message. `connectFailure` sorts a failed connect by the error codes the nats client and
 * Node's TLS give, not by their text.
 */
import { ErrorCode } from "nats";
import { CodedError } from "@ovl/domain";

export const BrokerErrorCodes = {
  /** No server answered at the URL(s): not running, wrong address, or a firewall. */
  Unreachable: "BROKER_UNREACHABLE",
  /** The TLS handshake failed: no or another CA, a certificate refused. */
  TlsFailed: "BROKER_TLS_FAILED",
  /** The server refused our credentials (or required some). */
  AuthFailed: "BROKER_AUTH_FAILED",
  /** Connected, but JetStream gave no answer for the whole wait. */
  NoAnswer: "BROKER_NO_ANSWER",
} as const;
export type BrokerErrorCode = (typeof BrokerErrorCodes)[keyof typeof BrokerErrorCodes];

export class BrokerError extends CodedError<BrokerErrorCode> {
  override readonly name: string = "BrokerError";
}

/** OpenSSL's certificate verification results, as Node names them in `err.code`. */
const CERT_CODES = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
]);

const codeOf = (err: unknown): string => String((err as { code?: unknown } | null)?.code ?? "");

/** Which failure a rejected nats `connect` was, by its code (and its chained error's). Pure. */
export function connectFailure(err: unknown): BrokerErrorCode {
  const codes = [codeOf(err), codeOf((err as { chainedError?: unknown } | null)?.chainedError)];
  if (codes.some((c) => c === ErrorCode.AuthorizationViolation || c === ErrorCode.AuthenticationExpired)) return BrokerErrorCodes.AuthFailed;
  const tls = (c: string) => c === ErrorCode.Tls || c === ErrorCode.ServerOptionNotAvailable || CERT_CODES.has(c) || c.startsWith("ERR_TLS_") || c.startsWith("ERR_SSL_");
  if (codes.some(tls)) return BrokerErrorCodes.TlsFailed;
  return BrokerErrorCodes.Unreachable;
}
