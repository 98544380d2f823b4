/** The MTU of a cluster nobody chose one for: the first node's LAN MTU minus VXLAN's 50 bytes. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { clusterMtuFor, decide, emptyState } from "@ovl/domain";
import { createBeforeJoin } from "@ovl/coordinator";
import { fold } from "../support/given.js";
import { CLUSTER, NOW, cluster, cmd, join } from "../domain/builders.js";

const mtu = suite("clusterMtuFor");

mtu("an Ethernet LAN gives 1450, a jumbo LAN 8950", () => {
  assert.is(clusterMtuFor(1500), 1450);
  assert.is(clusterMtuFor(9000), 8950);
});

mtu("no LAN MTU known: the default 1450", () => {
  assert.is(clusterMtuFor(undefined), 1450);
});

mtu("clamped to what a cluster may have: 576 to 9000", () => {
  assert.is(clusterMtuFor(600), 576);
  assert.is(clusterMtuFor(65535), 9000);
});

const first = suite("createBeforeJoin");
const { mtu: _mtu, ...pending } = CLUSTER;
const job = (c: ReturnType<typeof join> | ReturnType<typeof cmd<"LeaveNode">>) => ({ id: "req-1", command: { type: c.type, data: c.data } as never, noop: () => null });

first("the first join on a jumbo LAN creates the cluster with 8950, which the join then passes", () => {
  const create = createBeforeJoin(job(join("n1", undefined, { lanMtu: 9000 })), pending, emptyState);
  assert.equal(create?.command, { type: "CreateCluster", data: { ...pending, mtu: 8950 } });
  assert.is(create?.id, "create-cluster");
  const created = fold(decide({ ...create!.command, metadata: { now: NOW, requestId: "create-cluster" } } as never, emptyState), NOW);
  assert.equal(decide(join("n1", undefined, { lanMtu: 9000 }), created).map((e) => e.type), ["NodeJoined", "SubnetAssigned"]);
});

first("a later node whose LAN cannot carry the cluster's 8950 is refused with both numbers", () => {
  const created = fold(decide(cmd("CreateCluster", { ...pending, mtu: 8950 }), emptyState), NOW);
  assert.throws(() => decide(join("n2", undefined, { lanMtu: 1500 }), created), /LAN MTU 1500 cannot carry the cluster MTU 8950/);
});

first("nothing when the cluster exists, when the MTU was given, or for anything but a join", () => {
  assert.is(createBeforeJoin(job(join("n1", undefined, { lanMtu: 9000 })), pending, fold(cluster("n2"), NOW)), null);
  assert.is(createBeforeJoin(job(join("n1", undefined, { lanMtu: 9000 })), null, emptyState), null);
  assert.is(createBeforeJoin(job(cmd("LeaveNode", { node: "n1" })), pending, emptyState), null);
});

mtu.run();
first.run();
