/** stopProcess against real processes: one that leaves on SIGTERM, one that ignores it, a bare PID. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { pidAlive, stopProcess } from "@ovl/host";

const node = (code: string) => spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "ignore"] });
/** Resolves once the child printed its ready line (its signal handlers are in place). */
const ready = (c: ReturnType<typeof node>) => new Promise<void>((r) => c.stdout!.once("data", () => r()));

test("a child that leaves on SIGTERM is gone without SIGKILL", async () => {
  const c = node("process.on('SIGTERM', () => process.exit(0)); console.log('up'); setInterval(() => {}, 1e6)");
  await ready(c);
  assert.is(await stopProcess(c, { graceMs: 5000 }), true);
  assert.is(c.exitCode, 0);
});

test("a child that ignores SIGTERM is killed after the grace time", async () => {
  const c = node("process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1e6)");
  await ready(c);
  const t0 = Date.now();
  assert.is(await stopProcess(c, { graceMs: 300 }), true);
  assert.is(c.signalCode, "SIGKILL");
  assert.ok(Date.now() - t0 >= 290, "waited the grace time");
});

test("a bare PID is stopped by polling; a PID that is gone is a no-op", async () => {
  const c = node("process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1e6)");
  await ready(c);
  const pid = c.pid!;
  assert.is(await stopProcess(pid, { graceMs: 200 }), true);
  assert.is(pidAlive(pid), false);
  assert.is(await stopProcess(pid), true);
});

test("isAlive says the PID is no longer ours: nothing is signalled", async () => {
  const c = node("console.log('up'); setInterval(() => {}, 1e6)");
  await ready(c);
  assert.is(await stopProcess(c.pid!, { isAlive: () => false }), true);
  assert.ok(pidAlive(c.pid!), "left alone");
  assert.is(await stopProcess(c, { signal: "SIGKILL" }), true);
});

test.run();
