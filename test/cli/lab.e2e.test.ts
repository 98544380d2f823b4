/**
 * `ovl up` / `ovl down` end to end, as a person runs them (root): a 2-node lab with real
 * dockerd per node and the real agents, a container run and removed through the CLI, and
 * the machine left without lab namespaces or links. Always tears down.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { lines, ovl } from "../support/ovl.js";

const NATS = "nats://198.18.0.1:4222";
const env = { OVL_NATS_URL: NATS };
const labLeftovers = (): string[] => [
  ...execFileSync("ip", ["netns", "list"]).toString().split("\n").filter((l) => l.startsWith("ovl-lab-")),
  ...execFileSync("ip", ["-o", "link", "show"]).toString().split("\n").filter((l) => / ovllan/.test(l)),
];

test.before(() => {
  assert.equal(labLeftovers(), [], "a lab is already up on this machine (another test?): run `ovl down` first");
});

/** Set just before `ovl up`: only a lab this test started is torn down here. */
let started = false;

test.after(async () => {
  if (started) await ovl(["down"], { timeoutMs: 120_000 });
});

test("up, run, ps, rm, down", async () => {
  const t0 = Date.now();
  started = true;
  const up = await ovl(["up", "--nodes", "2", "--no-tui"], { timeoutMs: 240_000 });
  const upMs = Date.now() - t0;
  assert.is(up.code, 0, up.stderr);
  console.log(`ovl up --nodes 2: ${upMs} ms`);
  assert.match(up.stdout, /^NAME\s+IP\s+SUBNET/);
  assert.match(up.stdout, /\nn1\s+198\.18\.0\.11\s+198\.19\.[01]\.0\/24\s+ready/);
  assert.match(up.stdout, /\nn2\s+198\.18\.0\.12\s+198\.19\.[01]\.0\/24\s+ready/);

  const run = await ovl(["run", "web", "--image", "ovl/busybox:latest", "--node", "n2", "--timeout", "60"], { env, timeoutMs: 90_000 });
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /^web on node n2 at 198\.19\.[01]\.\d+ running\n$/);
  // As the README's tour: no URL given, no broker on 127.0.0.1, so the lab's is found.
  const ps = JSON.parse((await ovl(["ps", "--json"], { env: { OVL_NATS_URL: "" } })).stdout) as { name: string; state: string; node: string }[];
  assert.equal(ps.map((r) => [r.name, r.node, r.state]), [["web", "n2", "running"]]);

  const bad = await ovl(["run", "nope", "--image", "ovl/not-here:1", "--node", "n1", "--timeout", "60"], { env, timeoutMs: 90_000 });
  assert.is(bad.code, 1, bad.stdout);
  assert.is(lines(bad.stderr).length, 1, bad.stderr);
  assert.match(bad.stderr, /^error: container nope on node n1 failed: /);

  for (const name of ["web", "nope"]) assert.is((await ovl(["rm", name], { env })).code, 0);
  assert.equal(JSON.parse((await ovl(["ps", "--json"], { env })).stdout), []);

  const down = await ovl(["down"], { timeoutMs: 120_000 });
  assert.is(down.code, 0, down.stderr);
  assert.equal(labLeftovers(), []);
});

test.run();
