/** decide: the cluster and its nodes (create, join, leave, release, lose). */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { OvlErrorCodes as C } from "@ovl/domain";
import { given } from "../support/given.js";
import {
  block, cluster, clusterCreated, completeLeave, createCluster, gw, join, joined, lan, leave, leaving, left, lose,
  lost, member, recovered, release, report, running, failed, started, stopped, subnetAssigned,
} from "./builders.js";

const noCluster = suite("when there is no cluster");
noCluster("creating it records ClusterCreated with the settings asked", () => {
  given([]).when(createCluster()).then([clusterCreated()]);
});
noCluster("a block prefix not longer than the cidr's is refused", () => {
  given([]).when(createCluster({ blockPrefix: 18 })).thenThrows(C.InvalidInput, /block prefix \/18/);
});
noCluster("a cidr with host bits is refused", () => {
  given([]).when(createCluster({ cidr: "198.19.0.1/18" })).thenThrows(C.InvalidInput, /host bits/);
});
noCluster("a node cannot join yet", () => {
  given([]).when(join("n1")).thenThrows(C.ClusterNotCreated);
});
noCluster.run();

const created = suite("when the cluster exists");
created("creating it again with the same settings is harmless", () => {
  given([clusterCreated()]).when(createCluster()).thenNothingHappened();
});
created("creating it with other settings is refused, naming each difference", () => {
  given([clusterCreated()])
    .when(createCluster({ vni: 7, mtu: 1400 }))
    .thenThrows(C.ClusterMismatch, /vni: 42 \(cluster\) vs 7 \(asked\), mtu: 1450 \(cluster\) vs 1400 \(asked\)/);
});
created("the first node gets the lowest block and its gateway", () => {
  given([clusterCreated()]).when(join("n1")).then([joined("n1"), subnetAssigned("n1", 0)]);
});
created("a LAN MTU that cannot carry the cluster MTU plus 50 bytes of VXLAN is refused", () => {
  given([clusterCreated()]).when(join("n1", lan("n1"), { lanMtu: 1499 })).thenThrows(C.MtuTooSmall, /raise the LAN MTU to 1500/);
  given([clusterCreated()]).when(join("n1", lan("n1"), { lanMtu: 1500 })).then([joined("n1"), subnetAssigned("n1", 0)]);
});
created.run();

const joining = suite("join");
joining("takes the lowest free block, also a hole left by a node that left", () => {
  given(cluster("n1", "n2", "n3")).when(join("n4")).then([joined("n4"), subnetAssigned("n4", 3)]);
  given([...cluster("n1", "n2", "n3"), leaving("n2"), left("n2")]).when(join("n4")).then([joined("n4"), subnetAssigned("n4", 1)]);
});
joining("the same name and address again is harmless: same answer, nothing appended", () => {
  const state = given(cluster("n1")).when(join("n1")).thenNothingHappened();
  assert.is(state.nodes.n1?.subnet, block(0));
  assert.is(state.nodes.n1?.gateway, gw(0));
});
joining("the same name with another address is refused", () => {
  given(cluster("n1")).when(join("n1", "198.18.0.99")).thenThrows(C.NodeExists, /already a member with address 198\.18\.0\.11/);
});
joining("the same address under another name is refused", () => {
  given(cluster("n1")).when(join("n2", lan("n1"))).thenThrows(C.AddressInUse, /198\.18\.0\.11 is already the address of node n1/);
});
joining("the address of a node that left is free again", () => {
  given([...cluster("n1"), leaving("n1"), left("n1")]).when(join("n2", lan("n1"))).then([joined("n2", lan("n1")), subnetAssigned("n2", 0)]);
});
joining("is refused when every block is taken", () => {
  const tiny = { cidr: "198.19.0.0/23", blockPrefix: 24 };
  const history = [clusterCreated(tiny), ...member("n1", 0), ...member("n2", 1)];
  given(history).when(join("n3")).thenThrows(C.BlocksExhausted, /no free block of \/24 left in 198\.19\.0\.0\/23/);
});
joining("a half-done join (NodeJoined without its block) is completed with only SubnetAssigned", () => {
  given([clusterCreated(), ...member("n1", 0), joined("n2")]).when(join("n2")).then([subnetAssigned("n2", 1)]);
});
joining("while the node is leaving is refused", () => {
  given([...cluster("n1"), leaving("n1")]).when(join("n1")).thenThrows(C.NodeNotReady, /is leaving/);
});
joining.run();

const lostNode = suite("when a node is lost");
lostNode("it keeps its block and containers until it rejoins", () => {
  const state = given([...cluster("n1"), started("web", "n1", "198.19.0.2")]).when(lose("n1")).then([lost("n1")]);
  assert.is(state.nodes.n1?.status, "lost");
  assert.is(state.nodes.n1?.subnet, block(0));
  assert.ok(state.nodes.n1?.containers.web);
});
lostNode("coming back from the same address records NodeRecovered: ready, same block, its containers as recorded", () => {
  const history = [...cluster("n1"), started("web", "n1", "198.19.0.2"), running("web", "n1", "198.19.0.2"), started("db", "n1", "198.19.0.3"), lost("n1")];
  const state = given(history).when(join("n1", lan("n1"), { agentVersion: "0.2.0" })).then([recovered("n1", lan("n1"), "0.2.0")]);
  const n1 = state.nodes.n1!;
  assert.equal([n1.status, n1.subnet, n1.gateway, n1.agentVersion, n1.lastSeen], ["ready", block(0), gw(0), "0.2.0", undefined]);
  assert.equal(Object.values(n1.containers).map((c) => [c.name, c.ip, c.state]), [["web", "198.19.0.2", "running"], ["db", "198.19.0.3", "pending"]]);
});
lostNode("once recovered, the same join again decides nothing; its agent's reports are recorded", () => {
  const history = [...cluster("n1"), started("web", "n1", "198.19.0.2"), lost("n1"), recovered("n1")];
  given(history).when(join("n1")).thenNothingHappened();
  given(history).when(report("n1", "web", "198.19.0.2", "failed", { reason: "gone from Docker" })).then([failed("web", "n1", "198.19.0.2", "gone from Docker")]);
});
lostNode("coming back from another LAN address is refused: release it first", () => {
  const history = [...cluster("n1"), started("web", "n1", "198.19.0.2"), lost("n1")];
  given(history).when(join("n1", "198.18.0.99")).thenThrows(C.NodeExists, /n1 is lost and resumes only from its address 198\.18\.0\.11, not 198\.18\.0\.99; .*`ovl release n1`/);
});
lostNode("a lost node whose join was cut before its block gets one when it comes back", () => {
  given([clusterCreated(), ...member("n1", 0), joined("n2"), lost("n2")]).when(join("n2")).then([recovered("n2"), subnetAssigned("n2", 1)]);
});
lostNode("released, its agent coming back joins as a new node: no containers, the lowest free block", () => {
  const history = [...cluster("n1", "n2"), started("web", "n1", "198.19.0.2"), lost("n1"), stopped("web", "n1", "198.19.0.2", "node released"), left("n1", "released by operator")];
  const state = given(history).when(join("n1")).then([joined("n1"), subnetAssigned("n1", 0)]);
  assert.equal(state.nodes.n1?.containers, {});
});
lostNode("losing it again decides nothing; an unknown node is never lost", () => {
  given([...cluster("n1"), lost("n1")]).when(lose("n1")).thenNothingHappened();
  given(cluster("n1")).when(lose("n9")).thenNothingHappened();
});
lostNode("it cannot leave by itself; release stops its containers and frees its block", () => {
  const history = [...cluster("n1", "n2"), started("web", "n1", "198.19.0.2"), lost("n1")];
  given(history).when(leave("n1")).thenThrows(C.NodeNotReady, /ovl release n1/);
  const state = given(history).when(release("n1")).then([stopped("web", "n1", "198.19.0.2", "node released"), left("n1", "released by operator")]);
  assert.is(state.nodes.n1?.status, "left");
  given(history.concat([stopped("web", "n1", "198.19.0.2", "node released"), left("n1", "released by operator")]))
    .when(join("n3"))
    .then([joined("n3"), subnetAssigned("n3", 0)]);
});
lostNode.run();

const leavingNode = suite("leave");
leavingNode("stops the node's containers (by name) then records NodeLeaving", () => {
  const history = [...cluster("n1"), started("web", "n1", "198.19.0.2"), started("db", "n1", "198.19.0.3")];
  const state = given(history).when(leave("n1")).then([
    stopped("db", "n1", "198.19.0.3", "node leaving"),
    stopped("web", "n1", "198.19.0.2", "node leaving"),
    leaving("n1"),
  ]);
  assert.is(state.nodes.n1?.status, "leaving");
  assert.is(state.nodes.n1?.subnet, block(0), "the block is held until the agent tore down");
});
leavingNode("asked twice decides nothing the second time", () => {
  given([...cluster("n1"), leaving("n1")]).when(leave("n1")).thenNothingHappened();
});
leavingNode("of an unknown node, or one that left, is refused", () => {
  given(cluster("n1")).when(leave("n9")).thenThrows(C.NodeNotFound, /node n9 is not a member/);
  given([...cluster("n1"), leaving("n1"), left("n1")]).when(leave("n1")).thenThrows(C.NodeNotFound);
});
leavingNode("completing it records NodeLeft, which frees the block for the next joiner", () => {
  const history = [...cluster("n1", "n2"), leaving("n1")];
  const state = given(history).when(completeLeave("n1")).then([left("n1")]);
  assert.is(state.nodes.n1?.subnet, null);
  given([...history, left("n1")]).when(join("n3")).then([joined("n3"), subnetAssigned("n3", 0)]);
});
leavingNode("completing a leave nobody asked for decides nothing", () => {
  given(cluster("n1")).when(completeLeave("n1")).thenNothingHappened();
  given([...cluster("n1"), leaving("n1"), left("n1")]).when(completeLeave("n1")).thenNothingHappened();
});
leavingNode("release of a ready node is refused (it should leave); of a leaving one it completes the leave", () => {
  given(cluster("n1")).when(release("n1")).thenThrows(C.NodeNotReady, /ovl leave n1/);
  given([...cluster("n1"), leaving("n1")]).when(release("n1")).then([left("n1", "released by operator")]);
  given(cluster("n1")).when(release("n9")).thenThrows(C.NodeNotFound);
});
leavingNode("a node that left joins again as new, with the lowest free block", () => {
  const history = [...cluster("n1", "n2"), leaving("n1"), left("n1")];
  given(history).when(join("n1")).then([joined("n1"), subnetAssigned("n1", 0)]);
});
leavingNode.run();
