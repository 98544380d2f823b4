/** Sorting a failed NATS connect by code (packages/broker-setup/src/errors.ts), never by its message. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ErrorCode, NatsError } from "nats";
import { CodedError } from "@ovl/domain";
import { BrokerError, BrokerErrorCodes, connectFailure } from "@ovl/broker-setup";

/** An error as Node's TLS or net layer gives it: a message and a code. */
const nodeError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

test("an authorization violation (no or unknown credentials) is AuthFailed", () => {
  assert.is(connectFailure(NatsError.errorForCode(ErrorCode.AuthorizationViolation)), BrokerErrorCodes.AuthFailed);
  assert.is(connectFailure(NatsError.errorForCode(ErrorCode.AuthenticationExpired)), BrokerErrorCodes.AuthFailed);
});

test("a certificate nobody vouches for, a TLS alert or the client's TLS error is TlsFailed", () => {
  assert.is(connectFailure(nodeError("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate")), BrokerErrorCodes.TlsFailed);
  assert.is(connectFailure(nodeError("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate")), BrokerErrorCodes.TlsFailed);
  assert.is(connectFailure(nodeError("ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match")), BrokerErrorCodes.TlsFailed);
  assert.is(connectFailure(nodeError("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", "alert certificate required")), BrokerErrorCodes.TlsFailed);
  assert.is(connectFailure(NatsError.errorForCode(ErrorCode.Tls, nodeError("ENOENT", "no such file"))), BrokerErrorCodes.TlsFailed);
});

test("a refused or timed-out connection, or an unknown host, is Unreachable, whatever its message says", () => {
  assert.is(connectFailure(NatsError.errorForCode(ErrorCode.ConnectionRefused, nodeError("ECONNREFUSED", "connect ECONNREFUSED"))), BrokerErrorCodes.Unreachable);
  assert.is(connectFailure(NatsError.errorForCode(ErrorCode.Timeout)), BrokerErrorCodes.Unreachable);
  assert.is(connectFailure(nodeError("ENOTFOUND", "getaddrinfo ENOTFOUND the-tls-certificate-host")), BrokerErrorCodes.Unreachable);
  assert.is(connectFailure(new Error("certificate TLS SSL self-signed")), BrokerErrorCodes.Unreachable);
  assert.is(connectFailure(undefined), BrokerErrorCodes.Unreachable);
});

test("BrokerError is a coded error", () => {
  const e = new BrokerError(BrokerErrorCodes.Unreachable, "cannot reach NATS at nats://127.0.0.1:1");
  assert.instance(e, CodedError);
  assert.is(e.code, "BROKER_UNREACHABLE");
});

test.run();
