/**
 * `ovl broker start` (a real nats-server in the foreground, stopped by PID on SIGTERM),
 * `ovl broker setup` (idempotent), and `ovl coordinator` refusing cluster flags that
 * contradict the cluster as created.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../support/nats.js";
import { buildBundle, daemon, lines, ovl } from "../support/ovl.js";
import { pidAlive } from "@ovl/host";

let dir: string;

test.before(async () => {
  await buildBundle();
  dir = mkdtempSync(join(tmpdir(), "ovl-cli-broker-"));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("broker start, setup twice, coordinator mismatch, stop", async () => {
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const broker = daemon(["broker", "start", "--port", String(port), "--store", join(dir, "broker")]);
  const coordinators: ReturnType<typeof daemon>[] = [];
  try {
    const line = await broker.waitFor(/^broker nats:\/\/127\.0\.0\.1:\d+ running \(pid \d+/);
    const pid = Number(/pid (\d+)/.exec(line)![1]);
    assert.ok(pidAlive(pid));
    const first = await ovl(["broker", "setup", "--nats", url]);
    assert.is(first.code, 0, first.stderr);
    assert.is(first.stdout, "OVL_EVENTS: created\nOVL_HEARTBEATS: created\nOVL_SNAPSHOTS: created\n");
    const second = await ovl(["broker", "setup", "--nats", url]);
    assert.is(second.stdout, "OVL_EVENTS: unchanged (already as ovl needs)\nOVL_HEARTBEATS: unchanged (already as ovl needs)\nOVL_SNAPSHOTS: unchanged (already as ovl needs)\n");

    const c1 = daemon(["coordinator", "--db", join(dir, "c1.db"), "--vni", "7", "--mtu", "1450", "--nats", url]);
    coordinators.push(c1);
    await c1.waitFor(/coordinator serving/);
    assert.is(await c1.stop(), 0);
    const c2 = daemon(["coordinator", "--db", join(dir, "c2.db"), "--vni", "8", "--nats", url]);
    coordinators.push(c2);
    assert.is(await c2.exited, 1);
    const errors = lines(c2.output()).filter((l) => l.startsWith("error:"));
    assert.is(errors.length, 1, c2.output());
    assert.match(errors[0]!, /vni: 7 \(cluster\) vs 8 \(asked\)/);

    assert.is(await broker.stop(), 0, broker.output());
    assert.match(broker.output(), /broker stopped \(SIGTERM\)/);
    assert.not.ok(pidAlive(pid), "nats-server still running");
  } finally {
    for (const c of coordinators) await c.stop();
    await broker.stop();
  }
});

test("broker start refuses a bad address; setup refuses bad replicas", async () => {
  const r = await ovl(["broker", "start", "--host", "localhost:1"]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /^error: invalid --host address "localhost:1"/);
  const s = await ovl(["broker", "setup", "--replicas", "9"]);
  assert.is(s.code, 2);
  assert.match(s.stderr, /--replicas/);
});

test.run();
