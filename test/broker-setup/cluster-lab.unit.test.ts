/** The lab's 3-broker option (plan.ts, control.ts): ports, names, routes, URLs. Pure. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { brokerPlan, brokerRecordFor, clusterNatsConfig, natsUrlOf, parseBrokerCount, type ProcRecord } from "@ovl/lab";

test("one broker is the lab's usual server; three get their own ports and stores", () => {
  const [one] = brokerPlan(1, "/var/lib/ovl-lab");
  assert.equal(one, { index: 1, serverName: "ovl_lab", port: 4222, routePort: 6222, monitorPort: 8222, dir: "/var/lib/ovl-lab/nats" });
  const three = brokerPlan(3, "/var/lib/ovl-lab");
  assert.equal(three.map((b) => [b.serverName, b.port, b.routePort, b.monitorPort, b.dir]), [
    ["ovl_lab_b1", 4222, 6222, 8222, "/var/lib/ovl-lab/nats/b1"],
    ["ovl_lab_b2", 4223, 6223, 8223, "/var/lib/ovl-lab/nats/b2"],
    ["ovl_lab_b3", 4224, 6224, 8224, "/var/lib/ovl-lab/nats/b3"],
  ]);
  assert.is(natsUrlOf(), "nats://198.18.0.1:4222");
  assert.is(natsUrlOf(3), "nats://198.18.0.1:4222,nats://198.18.0.1:4223,nats://198.18.0.1:4224");
  for (const bad of [0, 2, 4, 6, "3x", -1]) assert.throws(() => parseBrokerCount(bad), /invalid broker count/);
});

test("each cluster server's config routes to all three on the LAN gateway", () => {
  const plans = brokerPlan(3, "/lab");
  const text = clusterNatsConfig(plans[1]!, plans);
  assert.match(text, /^server_name: ovl_lab_b2$/m);
  assert.match(text, /^listen: "198\.18\.0\.1:4223"$/m);
  assert.match(text, /^  store_dir: "\/lab\/nats\/b2\/store"$/m);
  assert.match(text, /cluster \{\n  name: "ovl_lab"\n  listen: "198\.18\.0\.1:6223"/);
  for (const p of [6222, 6223, 6224]) assert.match(text, new RegExp(`"nats-route://198\\.18\\.0\\.1:${p}"`));
});

test("the stream leader's server name leads to its broker record", () => {
  const rec = (node: string, pid: number): ProcRecord => ({ role: "broker", node, pid, start: 1, argv: ["nats-server"] });
  const procs = [rec("b1", 11), rec("b2", 12), rec("b3", 13), { role: "agent", node: "n1", pid: 14, start: 1, argv: [] } as ProcRecord];
  assert.is(brokerRecordFor(procs, "ovl_lab_b2")?.pid, 12);
  assert.is(brokerRecordFor(procs, "ovl_lab"), null);
  assert.is(brokerRecordFor(procs, "n1"), null);
});

test.run();
