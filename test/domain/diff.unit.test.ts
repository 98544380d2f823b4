/** diffStates: what changed between two points of the history, by node and by container. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { diffStates, emptyState, isEmptyDiff } from "@ovl/domain";
import { fold } from "../support/given.js";
import { NOW, cluster, exited, joined, lan, leaving, member, running, started, stopped, subnetAssigned } from "./builders.js";

const base = [...cluster("n1", "n2"), started("web", "n1", "198.19.0.2"), started("db", "n2", "198.19.1.2")];

const diff = suite("diffStates");

diff("the same state: nothing changed", () => {
  const s = fold(base, NOW);
  assert.ok(isEmptyDiff(diffStates(s, s)));
});

diff("from the empty state: the cluster, every node and container added", () => {
  const d = diffStates(emptyState, fold(base, NOW));
  assert.equal(d.cluster?.from, null);
  assert.is(d.cluster?.to?.cidr, "198.19.0.0/18");
  assert.equal(d.nodes.added.map((n) => n.name), ["n1", "n2"]);
  assert.not.ok("containers" in d.nodes.added[0]!, "a node is shown without its containers");
  assert.equal(d.containers.added.map((c) => c.name), ["db", "web"]);
  assert.equal([d.nodes.removed, d.nodes.changed, d.containers.removed, d.containers.changed], [[], [], [], []]);
});

diff("a container removed, one added, one changed state; a node joined and another leaving", () => {
  const a = fold(base, NOW);
  const b = fold(
    [...base, running("web", "n1", "198.19.0.2"), stopped("db", "n2", "198.19.1.2"), ...member("n3", 2), started("api", "n3", "198.19.2.2"), leaving("n2")],
    NOW,
  );
  const d = diffStates(a, b);
  assert.is(d.cluster, null);
  assert.equal(d.containers.added.map((c) => c.name), ["api"]);
  assert.equal(d.containers.removed.map((c) => c.name), ["db"]);
  assert.equal(d.containers.changed.map((c) => [c.name, c.changes]), [["web", [{ field: "state", from: "pending", to: "running" }]]]);
  assert.equal(d.nodes.added.map((n) => n.name), ["n3"]);
  assert.equal(d.nodes.changed.map((c) => [c.name, c.changes.map((x) => x.field)]), [["n2", ["status", "reason"]]]);
  assert.is(d.nodes.changed[0]!.changes[0]!.to, "leaving");
});

diff("B before A: the same changes the other way round", () => {
  const a = fold(base, NOW);
  const b = fold([...base, exited("web", "n1", "198.19.0.2", 3)], NOW);
  const d = diffStates(b, a);
  assert.equal(d.containers.changed[0]!.changes, [
    { field: "state", from: "exited", to: "pending" },
    { field: "exitCode", from: 3, to: null },
  ]);
});

diff("a node that joined without a block yet, then got one: subnet and gateway changed", () => {
  const a = fold([...cluster("n1"), joined("n2", lan("n2"))], NOW);
  const b = fold([...cluster("n1"), joined("n2", lan("n2")), subnetAssigned("n2", 1)], NOW);
  assert.equal(diffStates(a, b).nodes.changed[0]!.changes.map((c) => c.field), ["subnet", "gateway"]);
});

diff.run();
