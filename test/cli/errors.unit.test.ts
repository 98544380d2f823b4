/** How `ovl` maps errors to exit codes: by class and code, never by name or message. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CodedError, OvlError, OvlErrorCodes } from "@ovl/domain";
import { BrokerError, BrokerErrorCodes, connectNats } from "@ovl/client";
import { CliErrorCodes, EXIT_FAILED, EXIT_USAGE, asUsage, errorLine, exitCodeFor, FailedError, UsageError } from "@ovl/cli";
import { unwrapReply } from "@ovl/client";

test("UsageError and FailedError are coded errors; usage is 2, failed is 1", () => {
  const usage = new UsageError("give --ip or --iface, not both");
  assert.instance(usage, CodedError);
  assert.is(usage.code, CliErrorCodes.Usage);
  assert.is(exitCodeFor(usage), EXIT_USAGE);
  const failed = new FailedError("the container failed");
  assert.instance(failed, CodedError);
  assert.is(failed.code, CliErrorCodes.Failed);
  assert.is(exitCodeFor(failed), EXIT_FAILED);
});

test("an OvlError INVALID_INPUT is a usage error; any other code is a failure", () => {
  assert.is(exitCodeFor(new OvlError(OvlErrorCodes.InvalidInput, "invalid name")), EXIT_USAGE);
  for (const code of [OvlErrorCodes.ContainerNotFound, OvlErrorCodes.Unavailable, OvlErrorCodes.Timeout]) assert.is(exitCodeFor(new OvlError(code, "x")), EXIT_FAILED, code);
});

test("the name or the code alone is not the class: look-alikes are failures", () => {
  const named = Object.assign(new Error("x"), { name: "OvlError", code: "INVALID_INPUT" });
  assert.is(exitCodeFor(named), EXIT_FAILED);
  assert.is(exitCodeFor({ code: "INVALID_INPUT", message: "x" }), EXIT_FAILED);
  assert.is(exitCodeFor(new BrokerError(BrokerErrorCodes.Unreachable, "cannot reach NATS")), EXIT_FAILED);
});

test("a coordinator's refusal comes back as the OvlError it was, so its exit code is the local one's", () => {
  const refusal = (code: string, message: string) => ({ ok: false, error: { code, message } });
  const invalid = (() => {
    try {
      return unwrapReply("ovl.cmd.run", refusal("INVALID_INPUT", "invalid container name \"-x\""));
    } catch (err) {
      return err;
    }
  })();
  assert.instance(invalid, OvlError);
  assert.is((invalid as OvlError).code, OvlErrorCodes.InvalidInput);
  assert.is((invalid as OvlError).message, "invalid container name \"-x\"");
  assert.is(exitCodeFor(invalid), EXIT_USAGE);
  assert.throws(() => unwrapReply("ovl.cmd.rm", refusal("CONTAINER_NOT_FOUND", "no container web")), (e: unknown) => e instanceof OvlError && exitCodeFor(e) === EXIT_FAILED);
  assert.throws(
    () => unwrapReply("ovl.cmd.rm", refusal("SOMETHING_NEWER", "a newer refusal")),
    (e: unknown) => e instanceof OvlError && e.code === OvlErrorCodes.Internal && e.message === "a newer refusal (code SOMETHING_NEWER from ovl.cmd.rm)",
  );
  assert.is(unwrapReply("ovl.q.ps", { ok: true, result: 42 }), 42);
});

test("asUsage keeps the error it rewraps as the cause", () => {
  const cause = new OvlError(OvlErrorCodes.InvalidInput, "invalid port 0");
  const err = (() => {
    try {
      return asUsage(() => {
        throw cause;
      });
    } catch (e) {
      return e;
    }
  })();
  assert.instance(err, UsageError);
  assert.is((err as UsageError).cause, cause);
});

test("cannot reach NATS: a BrokerError Unreachable with the nats error as cause, one line, exit 1", async () => {
  const err = await connectNats({ url: "nats://127.0.0.1:1", name: "ovl-test", connectTimeoutMs: 2000, reconnect: false }).then(
    async (nc) => (await nc.close(), null),
    (e: unknown) => e,
  );
  assert.instance(err, BrokerError);
  assert.is((err as BrokerError).code, BrokerErrorCodes.Unreachable);
  assert.ok((err as BrokerError).cause, "the nats error is kept");
  assert.match(errorLine(err), /^error: cannot reach NATS at nats:\/\/127\.0\.0\.1:1: .*ovl broker start/);
  assert.is(exitCodeFor(err), EXIT_FAILED);
});

test.run();
