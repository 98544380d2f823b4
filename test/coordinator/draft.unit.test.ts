/**
 * StateDraft (the in-place batch fold the projection and the decider use) gives exactly
 * what evolve gives, key order included, and never writes a state it handed out.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { StateDraft, emptyState, evolve, macFor, type ClusterState, type OvlEvent } from "@ovl/domain";

function* history(): Generator<OvlEvent> {
  yield { type: "ClusterCreated", data: { cidr: "198.19.0.0/16", blockPrefix: 24, vni: 4242, vxlanPort: 4789, mtu: 1450 } };
  for (let n = 1; n <= 3; n++) {
    yield { type: "NodeJoined", data: { node: `n${n}`, underlayIp: `198.18.0.${n}`, agentVersion: "t" } };
    yield { type: "SubnetAssigned", data: { node: `n${n}`, subnet: `198.19.${n}.0/24`, gateway: `198.19.${n}.1` } };
  }
  for (let k = 0; k < 60; k++) {
    const node = `n${(k % 3) + 1}`;
    const ip = `198.19.${(k % 3) + 1}.${(k % 20) + 2}`;
    if (k >= 30) yield { type: "ContainerStopped", data: { name: `c${k - 30}`, node, ip: `198.19.${((k - 30) % 3) + 1}.${((k - 30) % 20) + 2}`, reason: "removed" } };
    yield { type: "ContainerStarted", data: { name: `c${k}`, node, ip, mac: macFor(ip), image: "busybox", cmd: [], ports: [] } };
    yield { type: "ContainerRunning", data: { name: `c${k}`, node, ip } };
  }
  yield { type: "NodeLeaving", data: { node: "n2", reason: "requested" } } as OvlEvent;
  yield { type: "NodeLeft", data: { node: "n2", reason: "requested" } } as OvlEvent;
  yield { type: "NodeJoined", data: { node: "n2", underlayIp: "198.18.0.2", agentVersion: "t" } };
}

const keysDeep = (s: ClusterState) => JSON.stringify(s);

test("a draft folds to exactly what evolve folds (values and key order)", () => {
  let pure = emptyState;
  const draft = new StateDraft(emptyState);
  for (const [i, e] of [...history()].entries()) {
    const time = new Date(1e12 + i * 1000).toISOString();
    pure = evolve(pure, e, { time });
    draft.apply(e, { time });
    assert.is(keysDeep(draft.peek), keysDeep(pure), `after event ${i} (${e.type})`);
  }
});

test("a state handed out is never written by later applies", () => {
  const events = [...history()];
  const draft = new StateDraft(emptyState);
  const time = new Date(1e12).toISOString();
  events.slice(0, 20).forEach((e) => draft.apply(e, { time }));
  const kept = draft.state;
  const frozen = keysDeep(kept);
  events.slice(20).forEach((e) => draft.apply(e, { time }));
  assert.is(keysDeep(kept), frozen);
  assert.is.not(keysDeep(draft.peek), frozen);
  const base = draft.state;
  const copy = keysDeep(base);
  const again = new StateDraft(base);
  again.apply({ type: "NodeLost", data: { node: "n1", lastSeen: null } } as OvlEvent, { time });
  assert.is(keysDeep(base), copy);
});

test.run();
