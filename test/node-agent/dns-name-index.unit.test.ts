/** Which names the agents answer, and where: the name index every agent computes from its fold (a pure function of the state). */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DEFAULT_NETWORK, macFor, normalizeQueryName, type ClusterState, type OvlEvent } from "@ovl/domain";
import { nameIndex } from "@ovl/node-agent";
import { fold } from "../support/given.js";
import { NOW, networkBlock, networkCreated, cluster, exited, failed, lost, running, started, stopped } from "../domain/builders.js";

const ip = (i: number, host: number) => `198.19.${i}.${host}`;
/** Every name answering on `network`, bare and under the network, to its address there. */
function records(state: ClusterState, network = DEFAULT_NETWORK): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, on] of nameIndex(state).names) {
    const there = on.find((a) => a.network === network);
    if (there) (out[name] = there.ip), (out[`${name}.${network}`] = there.ip);
  }
  return out;
}
const recordsOf = (history: readonly OvlEvent[]) => records(fold(history, NOW));

const table = suite("name records");
table("a pending or running container answers by NAME and NAME.ovl, across nodes", () => {
  const history = [...cluster("n1", "n2"), started("web", "n1", ip(0, 2)), started("db", "n2", ip(1, 2)), running("db", "n2", ip(1, 2))];
  assert.equal(recordsOf(history), { web: ip(0, 2), "web.ovl": ip(0, 2), db: ip(1, 2), "db.ovl": ip(1, 2) });
});
table("aliases answer like names, bare and under the network", () => {
  const history = [...cluster("n1"), started("db", "n1", ip(0, 2), { aliases: ["postgres", "primary"] })];
  assert.equal(recordsOf(history), { db: ip(0, 2), "db.ovl": ip(0, 2), postgres: ip(0, 2), "postgres.ovl": ip(0, 2), primary: ip(0, 2), "primary.ovl": ip(0, 2) });
});
table("a removed, failed or exited container does not answer; one on a lost node does", () => {
  const base = [...cluster("n1", "n2"), started("a", "n1", ip(0, 2), { aliases: ["x"] }), started("b", "n1", ip(0, 3)), started("c", "n1", ip(0, 4)), started("d", "n2", ip(1, 2))];
  const history = [...base, stopped("a", "n1", ip(0, 2)), failed("b", "n1", ip(0, 3)), exited("c", "n1", ip(0, 4), 1), lost("n2")];
  assert.equal(recordsOf(history), { d: ip(1, 2), "d.ovl": ip(1, 2) });
});
table("an exited container that runs again answers again", () => {
  const history = [...cluster("n1"), started("a", "n1", ip(0, 2)), exited("a", "n1", ip(0, 2), 1), running("a", "n1", ip(0, 2))];
  assert.equal(recordsOf(history), { a: ip(0, 2), "a.ovl": ip(0, 2) });
});
table("an address Docker's IPAM reserved before its container is known answers to no name", () => {
  const reservation: OvlEvent = { type: "ContainerStarted", data: { name: "ipam-1f", node: "n1", ip: ip(0, 3), mac: "02:00:c6:13:00:03", image: "ovl/ipam-reservation", cmd: [], ports: [], origin: "docker-ipam" } };
  assert.equal(recordsOf([...cluster("n1"), started("web", "n1", ip(0, 2)), reservation]), { web: ip(0, 2), "web.ovl": ip(0, 2) });
});
table("query names are matched without case and without the root's dot", () => {
  assert.is(normalizeQueryName("DB.Ovl."), "db.ovl");
  assert.is(normalizeQueryName("web"), "web");
});
table("a network's records hold the containers on it, at their address there", () => {
  const on = (network: string, i: number) => ({ network, ip: `198.19.${i}.2`, mac: macFor(`198.19.${i}.2`) });
  const both: OvlEvent = { type: "ContainerStarted", data: { name: "both", node: "n1", ip: ip(48, 2), mac: macFor(ip(48, 2)), image: "busybox", cmd: [], ports: [], networks: [on("a", 48), on("ovl", 0)] } };
  const onlyA: OvlEvent = { type: "ContainerStarted", data: { name: "only", node: "n1", ip: ip(48, 3), mac: macFor(ip(48, 3)), image: "busybox", cmd: [], ports: [], networks: [{ network: "a", ip: ip(48, 3), mac: macFor(ip(48, 3)) }] } };
  const state = fold([...cluster("n1"), networkCreated("a", "198.19.48.0/20", 1), networkBlock("n1", "a", "198.19.48.0/24"), both, onlyA], NOW);
  assert.equal(records(state), { both: ip(0, 2), "both.ovl": ip(0, 2) });
  assert.equal(records(state, "a"), { both: ip(48, 2), "both.a": ip(48, 2), only: ip(48, 3), "only.a": ip(48, 3) });
});

table.run();
