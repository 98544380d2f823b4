import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "nats";
import { findOnPath, startBroker } from "@ovl/broker-setup";
import { freePort } from "../support/nats.js";

test("starts nats-server with JetStream from its generated config and stops it by PID", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ovl-broker-"));
  const port = await freePort();
  const broker = await startBroker({ port, storeDir: dir, serverName: "t1" });
  try {
    assert.is(broker.url, `nats://127.0.0.1:${port}`);
    assert.match(readFileSync(broker.configFile, "utf8"), new RegExp(`store_dir: "${dir}"`));
    const nc = await connect({ servers: broker.url });
    const jsm = await nc.jetstreamManager();
    const info = await jsm.getAccountInfo();
    assert.ok(info.limits !== undefined);
    await nc.close();
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok((await broker.exited) !== undefined);
  assert.throws(() => process.kill(broker.pid, 0));
});

test("a port in use fails with the server's reason, leaving no process", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ovl-broker-"));
  const port = await freePort();
  const first = await startBroker({ port, storeDir: join(dir, "a") });
  try {
    await startBroker({ port, storeDir: join(dir, "b"), readyTimeoutMs: 3000 }).then(
      async (b) => {
        await b.stop();
        assert.unreachable("second broker on the same port should fail");
      },
      (err: Error) => assert.match(err.message, /port \d+ on 127.0.0.1 is already in use/),
    );
  } finally {
    await first.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("missing nats-server: a clear error", () => {
  assert.is(findOnPath("nats-server", "/nonexistent"), null);
  assert.ok(findOnPath("nats-server"));
});

test.run();
