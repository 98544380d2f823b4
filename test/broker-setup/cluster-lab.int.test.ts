/**
 * The lab's 3-broker cluster (packages/lab control.ts) for real, in a network namespace the
 * test creates with 198.18.0.1 on its loopback (so a lab that is up is never touched):
 * started, streams with 3 replicas, the stream leader found by name and killed by PID,
 * publishing resumes, nothing lost. Namespace, processes and files removed in finally.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { stopProcess } from "@ovl/host";

const run = promisify(execFile);
const ip = (...args: string[]) => run("ip", args);

test("lab brokers: 3 servers, replicas 3, leader killed by its record, 60 of 60 stored", async () => {
  if (process.getuid?.() !== 0) return console.log("  skipped: needs root for a network namespace");
  const ns = `ovlt-brk-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), "ovl-labbrk-"));
  const pids: number[] = [];
  try {
    await ip("netns", "add", ns);
    await ip("-n", ns, "link", "set", "lo", "up");
    await ip("-n", ns, "addr", "add", "198.18.0.1/32", "dev", "lo");
    const child = join(process.cwd(), "test", "broker-setup", "lab-brokers-child.ts");
    const { stdout } = await run("ip", ["netns", "exec", ns, process.execPath, "--import", "tsx", child, dir], { timeout: 90_000 }).catch((err) => {
      for (const m of String(err.stdout ?? "").matchAll(/"pids":\[([\d,]+)\]/g)) pids.push(...m[1]!.split(",").map(Number));
      throw err;
    });
    const steps = stdout.trim().split("\n").map((l) => JSON.parse(l));
    pids.push(...(steps[0].pids as number[]));
    const setup = steps.find((s) => "leader" in s);
    assert.is(setup.replicas, 3);
    assert.match(setup.leader, /^ovl_lab_b[123]$/);
    const end = steps.find((s) => "messages" in s);
    assert.is(end.messages, 60);
    assert.is(end.lastSeq, 60);
    assert.not.equal(end.newLeader, setup.leader);
    assert.equal(steps.at(-1), { stopped: true, left: 0 });
  } finally {
    for (const pid of pids) await stopProcess(pid, { signal: "SIGKILL" }); // most already stopped by the child
    await ip("netns", "del", ns).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
