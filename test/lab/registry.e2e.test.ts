/**
 * The image is pulled when missing: a registry from Debian's docker-registry package runs on
 * the lab gateway (198.18.0.1:5000, plain HTTP, trusted by every lab dockerd), node n1
 * pushes the lab image to it, and `ovl run` on node n2 under the registry's name makes n2's
 * agent pull it. An image the registry does not have ends as a failed container with the
 * reason. Registry and lab are stopped (by PID) and removed at the end.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { LAB_REGISTRY } from "@ovl/lab";
import { lines, ovl } from "../support/ovl.js";
import { stopProcess } from "@ovl/host";

const pexec = promisify(execFile);
const env = { OVL_NATS_URL: "nats://198.18.0.1:4222" };
const docker = (node: string, ...args: string[]) =>
  pexec("docker", ["-H", `unix:///run/ovl-lab/${node}/docker.sock`, ...args], { timeout: 120_000 });

let registry: ChildProcess | undefined;
let dir: string | undefined;
let started = false;

async function startRegistry(): Promise<ChildProcess> {
  dir = mkdtempSync(join(tmpdir(), "ovl-registry-"));
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    ["version: 0.1", "storage:", "  filesystem:", `    rootdirectory: ${join(dir, "data")}`, "http:", `  addr: ${LAB_REGISTRY}`, ""].join("\n"),
  );
  const proc = spawn("docker-registry", ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
  proc.stderr?.resume();
  for (const until = Date.now() + 15_000; Date.now() < until; ) {
    const ok = await fetch(`http://${LAB_REGISTRY}/v2/`).then((r) => r.ok, () => false);
    if (ok) return proc;
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`docker-registry did not answer on ${LAB_REGISTRY}`);
}

test.after(async () => {
  if (registry) await stopProcess(registry, { graceMs: 5000 });
  if (started) await ovl(["down"], { timeoutMs: 120_000 });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("an image missing on the node is pulled from a registry; an unknown one fails with the reason", async () => {
  started = true;
  const up = await ovl(["up", "--nodes", "2", "--no-tui"], { timeoutMs: 240_000 });
  assert.is(up.code, 0, up.stderr);
  registry = await startRegistry();

  const image = `${LAB_REGISTRY}/ovl/busybox:pulled`;
  await docker("n1", "tag", "ovl/busybox:latest", image);
  await docker("n1", "push", image);
  const before = await docker("n2", "image", "ls", "-q", image);
  assert.is(before.stdout.trim(), "", "n2 does not have the image before the run");

  const run = await ovl(["run", "pulled", "--node", "n2", "--image", image, "--timeout", "90"], { env, timeoutMs: 120_000 });
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /^pulled on node n2 at 198\.19\.[01]\.\d+ running\n$/);
  const after = await docker("n2", "image", "ls", "-q", image);
  assert.ok(after.stdout.trim() !== "", "n2's agent pulled the image");

  const missing = await ovl(["run", "ghost", "--node", "n2", "--image", `${LAB_REGISTRY}/ovl/not-pushed:1`, "--timeout", "90"], { env, timeoutMs: 120_000 });
  assert.is(missing.code, 1, missing.stdout);
  assert.is(lines(missing.stderr).length, 1, missing.stderr);
  assert.match(missing.stderr, /ghost on node n2 failed: .*not-pushed/);
  const ps = JSON.parse((await ovl(["ps", "--json"], { env })).stdout) as { name: string; state: string }[];
  assert.equal(ps.map((r) => [r.name, r.state]), [["ghost", "failed"], ["pulled", "running"]]);
});

test.run();
