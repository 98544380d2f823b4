/** The one command runner (packages/host): its result, and the CommandError of a real failing command. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CodedError } from "@ovl/domain";
import { CommandError, HostError, HostErrorCodes, run, tryRun } from "@ovl/host";

test("run: a command that succeeds gives its stdout and stderr", async () => {
  const r = await run(["node", "-e", "process.stdout.write('out'); process.stderr.write('err')"]);
  assert.equal(r, { stdout: "out", stderr: "err" });
});

test("run: the input is written to the command's stdin", async () => {
  const r = await run(["node", "-e", "process.stdin.pipe(process.stdout)"], { input: "hello" });
  assert.is(r.stdout, "hello");
});

test("run: a failing command is a CommandError with its argv, exit code and stderr; the message names both", async () => {
  const argv = ["ip", "link", "show", "ovl-does-not-exist"];
  const err = await run(argv).then(() => null, (e: unknown) => e);
  assert.instance(err, CommandError);
  assert.instance(err, HostError);
  assert.instance(err, CodedError);
  const e = err as CommandError;
  assert.is(e.code, HostErrorCodes.CommandFailed);
  assert.equal(e.argv, argv);
  assert.is(e.exitCode, 1);
  assert.match(e.stderr, /ovl-does-not-exist/);
  assert.is(e.message, `\`ip link show ovl-does-not-exist\` failed: ${e.stderr.trim()}`);
});

test("run: the action leads the message; withContext adds it later and keeps the first error as cause", async () => {
  const err = (await run(["ip", "link", "show", "ovl-does-not-exist"], { action: "read link ovl-does-not-exist" }).catch((e: unknown) => e)) as CommandError;
  assert.match(err.message, /^could not read link ovl-does-not-exist: `ip link show ovl-does-not-exist` failed: /);
  const bare = new CommandError(["false"], 1, "");
  assert.is(bare.message, "`false` failed: exit 1");
  const named = bare.withContext("say no");
  assert.is(named.message, "could not say no: `false` failed: exit 1");
  assert.is(named.cause, bare);
});

test("run: a long stderr is quoted by its first and last lines", () => {
  const e = new CommandError(["apt-get", "install"], 100, "W: one\nW: two\nE: Unable to locate package nope\n");
  assert.is(e.message, "`apt-get install` failed: W: one; …; E: Unable to locate package nope");
});

test("run: a command that cannot start has the errno as exit code", async () => {
  const err = (await run(["ovl-no-such-program"]).catch((e: unknown) => e)) as CommandError;
  assert.instance(err, CommandError);
  assert.is(err.exitCode, "ENOENT");
});

test("run: a command over its time is killed and says so", async () => {
  const err = (await run(["sleep", "5"], { timeoutMs: 100 }).catch((e: unknown) => e)) as CommandError;
  assert.instance(err, CommandError);
  assert.is(err.exitCode, null);
  assert.match(err.message, /^`sleep 5` failed: killed after 100 ms$/);
});

test("run: input goes to the command's standard input; a command that exits without reading it is answered by its exit, not a crash", async () => {
  assert.is((await run(["cat"], { input: "one\ntwo\n" })).stdout, "one\ntwo\n");
  // More than a pipe holds, to a command that never reads: the write meets a closed pipe (EPIPE).
  assert.equal(await run(["true"], { input: "x".repeat(4 << 20) }), { stdout: "", stderr: "" });
  const err = (await run(["false"], { input: "x".repeat(4 << 20) }).catch((e: unknown) => e)) as CommandError;
  assert.instance(err, CommandError);
  assert.is(err.exitCode, 1);
});

test("tryRun: failure is a value, with the error's message", async () => {
  const r = await tryRun(["ip", "link", "show", "ovl-does-not-exist"]);
  assert.is(r.ok, false);
  assert.match(r.stderr, /^`ip link show ovl-does-not-exist` failed: /);
  assert.is((await tryRun(["true"])).ok, true);
});

test.run();
