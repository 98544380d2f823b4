/** `ovl events` filters: the subject the server filters on, and the exact match. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { eventFilter, envelope, subjectFor, type OvlEvent, type StoredEvent } from "@ovl/domain";
import { NOW, clusterCreated, joined, running, started, subnetAssigned } from "./builders.js";

const stored = (e: OvlEvent, seq = 1): StoredEvent => ({ ...envelope(e, NOW), seq, subject: subjectFor(e) });
const f = suite("eventFilter");

f("no filter: the whole stream, everything matches", () => {
  const x = eventFilter({});
  assert.is(x.subject, "ovl.evt.>");
  assert.ok(x.matches(stored(clusterCreated())));
});

f("a container: its subjects on any node, or on one node", () => {
  assert.is(eventFilter({ container: "web" }).subject, "ovl.evt.ctr.*.web");
  const x = eventFilter({ container: "web", node: "n1" });
  assert.is(x.subject, "ovl.evt.ctr.n1.web");
  assert.ok(x.matches(stored(started("web", "n1", "198.19.0.2"))));
  assert.not.ok(x.matches(stored(started("web2", "n1", "198.19.0.3"))));
});

f("a node alone spans node and container subjects: matched on the client", () => {
  const x = eventFilter({ node: "n1" });
  assert.is(x.subject, "ovl.evt.>");
  assert.ok(x.matches(stored(joined("n1"))));
  assert.ok(x.matches(stored(running("web", "n1", "198.19.0.2"))));
  assert.not.ok(x.matches(stored(joined("n2"))));
  assert.not.ok(x.matches(stored(clusterCreated())));
});

f("types of one kind narrow the subject; of several kinds they do not", () => {
  assert.is(eventFilter({ types: ["NodeJoined", "SubnetAssigned"], node: "n2" }).subject, "ovl.evt.node.n2");
  assert.is(eventFilter({ types: ["ContainerRunning"] }).subject, "ovl.evt.ctr.*.*");
  const x = eventFilter({ types: ["NodeJoined,ContainerRunning"] });
  assert.is(x.subject, "ovl.evt.>");
  assert.ok(x.matches(stored(joined("n1"))));
  assert.not.ok(x.matches(stored(subnetAssigned("n1", 0))));
});

f("bad values are INVALID_INPUT: an unknown type, a bad name, a type that cannot match", () => {
  assert.throws(() => eventFilter({ types: ["NodeJoind"] }), /unknown event type "NodeJoind": one of ClusterCreated/);
  assert.throws(() => eventFilter({ node: "N1!" }), /node/);
  assert.throws(() => eventFilter({ container: "a.b" }), /container/);
  assert.throws(() => eventFilter({ types: ["NodeJoined"], container: "web" }), /no event of type NodeJoined is about a container/);
});

f.run();
