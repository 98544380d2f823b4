/** The spec itself: each assertion of test/support/given.ts fails when it should. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { OvlErrorCodes as C, emptyState, evolve } from "@ovl/domain";
import { deepFreeze, given } from "../support/given.js";
import { NOW, cluster, clusterCreated, join, joined, rm, subnetAssigned } from "./builders.js";

const fails = (fn: () => unknown, why: RegExp) => {
  try {
    fn();
  } catch (err) {
    assert.match(String((err as Error).message), why);
    return;
  }
  assert.unreachable("the spec let it pass");
};

const spec = suite("given/when/then");
spec("then fails on other events, or on an error", () => {
  fails(() => given([clusterCreated()]).when(join("n1")).then([joined("n1")]), /./);
  fails(() => given([]).when(join("n1")).then([]), /expected a decision, got error CLUSTER_NOT_CREATED/);
});
spec("thenThrows fails on events, or on another code", () => {
  fails(() => given([clusterCreated()]).when(join("n1")).thenThrows(C.NodeExists), /expected NODE_EXISTS, got events \["NodeJoined","SubnetAssigned"\]/);
  fails(() => given(cluster("n1")).when(rm("web")).thenThrows(C.NodeNotFound), /expected NODE_NOT_FOUND, got error CONTAINER_NOT_FOUND/);
  fails(() => given(cluster("n1")).when(rm("web")).thenThrows(C.ContainerNotFound, /nothing like this/), /./);
});
spec("thenNothingHappened fails when something was decided", () => {
  fails(() => given([clusterCreated()]).when(join("n1")).thenNothingHappened(), /./);
});
spec("given events must be valid events", () => {
  fails(() => given([{ type: "SubnetAssigned", data: { node: "N1", subnet: "x", gateway: "y" } }]).when(join("n1")), /does not survive parseEnvelope|INVALID|Expected/);
});
spec("the given state is frozen, so a decide that mutated it would throw", () => {
  const state = deepFreeze(evolve(emptyState, clusterCreated(), { time: NOW }));
  assert.throws(() => {
    (state.cluster as { mtu: number }).mtu = 9000;
  }, TypeError);
  assert.ok(Object.isFrozen(state.nodes));
  given([clusterCreated(), joined("n1"), subnetAssigned("n1", 0)]).when(join("n1")).thenNothingHappened();
});
spec.run();
