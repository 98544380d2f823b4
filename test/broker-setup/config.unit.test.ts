import { test } from "uvu";
import * as assert from "uvu/assert";
import { OvlError } from "@ovl/domain";
import { renderServerConfig, streamConfigs, subjectsOverlap } from "@ovl/broker-setup";

test("renders listen, name and store_dir with the defaults", () => {
  const text = renderServerConfig({ storeDir: "/var/lib/ovl/broker" });
  assert.match(text, /^server_name: ovl$/m);
  assert.match(text, /^listen: "127\.0\.0\.1:4222"$/m);
  assert.match(text, /^  store_dir: "\/var\/lib\/ovl\/broker"$/m);
  assert.not.match(text, /http:/);
  assert.not.match(text, /cluster \{/);
});

test("renders the monitor port and cluster routes when given", () => {
  const text = renderServerConfig({
    host: "198.18.0.1",
    port: 14222,
    storeDir: "/tmp/x",
    httpPort: 18222,
    cluster: { port: 16222, routes: ["nats-route://198.18.0.12:16222"] },
  });
  assert.match(text, /^http: "198\.18\.0\.1:18222"$/m);
  assert.match(text, /listen: "0\.0\.0\.0:16222"/);
  assert.match(text, /"nats-route:\/\/198\.18\.0\.12:16222"/);
});

test("refuses options that would break the config", () => {
  for (const bad of [
    { storeDir: "relative/dir" },
    { storeDir: '/tmp/a"b' },
    { storeDir: "/tmp/x", port: 70000 },
    { storeDir: "/tmp/x", host: "a b" },
    { storeDir: "/tmp/x", serverName: "x y" },
    { storeDir: "/tmp/x", cluster: { routes: ["http://x:1"] } },
  ]) {
    assert.throws(() => renderServerConfig(bad), (e: unknown) => e instanceof OvlError && e.code === "INVALID_INPUT");
  }
});

test("stream configs: events kept forever, heartbeats one per subject", () => {
  const [events, hb] = streamConfigs({ replicas: 3 });
  assert.equal(events!.subjects, ["ovl.evt.>"]);
  assert.is(events!.max_age, 0);
  assert.is(events!.duplicate_window, 120_000_000_000);
  assert.is(events!.num_replicas, 3);
  assert.is(hb!.max_msgs_per_subject, 1);
  assert.is(hb!.allow_direct, true);
  assert.ok(hb!.duplicate_window <= hb!.max_age);
  assert.throws(() => streamConfigs({ replicas: 0 }), /replicas/);
});

test("subject overlap follows NATS wildcards", () => {
  assert.ok(subjectsOverlap("ovl.evt.>", "ovl.>"));
  assert.ok(subjectsOverlap("ovl.evt.>", "ovl.*.node"));
  assert.ok(subjectsOverlap("ovl.evt.>", ">"));
  assert.not.ok(subjectsOverlap("ovl.evt.>", "ovl.hb.>"));
  assert.not.ok(subjectsOverlap("ovl.evt.>", "ovl.evt"));
  assert.ok(subjectsOverlap("a.*", "a.b"));
});

test.run();
