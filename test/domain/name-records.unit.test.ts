/** The names every agent answers for (a pure function of the state) and the names `ovl run` refuses as ambiguous. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { OvlErrorCodes as C, macFor, nameRecords, normalizeQueryName, parseCommandData, type OvlEvent } from "@ovl/domain";
import { fold, given } from "../support/given.js";
import { NOW, networkBlock, networkCreated, cluster, exited, failed, lost, running, start, started, stopped } from "./builders.js";

const ip = (i: number, host: number) => `198.19.${i}.${host}`;
const records = (history: readonly OvlEvent[]) => Object.fromEntries(nameRecords(fold(history, NOW)));

const table = suite("name records");
table("a pending or running container answers by NAME and NAME.ovl, across nodes", () => {
  const history = [...cluster("n1", "n2"), started("web", "n1", ip(0, 2)), started("db", "n2", ip(1, 2)), running("db", "n2", ip(1, 2))];
  assert.equal(records(history), { web: ip(0, 2), "web.ovl": ip(0, 2), db: ip(1, 2), "db.ovl": ip(1, 2) });
});
table("aliases answer like names, bare and under the network", () => {
  const history = [...cluster("n1"), started("db", "n1", ip(0, 2), { aliases: ["postgres", "primary"] })];
  assert.equal(records(history), { db: ip(0, 2), "db.ovl": ip(0, 2), postgres: ip(0, 2), "postgres.ovl": ip(0, 2), primary: ip(0, 2), "primary.ovl": ip(0, 2) });
});
table("a removed, failed or exited container does not answer; one on a lost node does", () => {
  const base = [...cluster("n1", "n2"), started("a", "n1", ip(0, 2), { aliases: ["x"] }), started("b", "n1", ip(0, 3)), started("c", "n1", ip(0, 4)), started("d", "n2", ip(1, 2))];
  const history = [...base, stopped("a", "n1", ip(0, 2)), failed("b", "n1", ip(0, 3)), exited("c", "n1", ip(0, 4), 1), lost("n2")];
  assert.equal(records(history), { d: ip(1, 2), "d.ovl": ip(1, 2) });
});
table("an exited container that runs again answers again", () => {
  const history = [...cluster("n1"), started("a", "n1", ip(0, 2)), exited("a", "n1", ip(0, 2), 1), running("a", "n1", ip(0, 2))];
  assert.equal(records(history), { a: ip(0, 2), "a.ovl": ip(0, 2) });
});
table("an address Docker's IPAM reserved before its container is known answers to no name", () => {
  const reservation: OvlEvent = { type: "ContainerStarted", data: { name: "ipam-1f", node: "n1", ip: ip(0, 3), mac: "02:00:c6:13:00:03", image: "ovl/ipam-reservation", cmd: [], ports: [], origin: "docker-ipam" } };
  assert.equal(records([...cluster("n1"), started("web", "n1", ip(0, 2)), reservation]), { web: ip(0, 2), "web.ovl": ip(0, 2) });
});
table("query names are matched without case and without the root's dot", () => {
  assert.is(normalizeQueryName("DB.Ovl."), "db.ovl");
  assert.is(normalizeQueryName("web"), "web");
});
table.run();

table("a network's records hold the containers on it, at their address there", () => {
  const on = (network: string, i: number) => ({ network, ip: `198.19.${i}.2`, mac: macFor(`198.19.${i}.2`) });
  const both: OvlEvent = { type: "ContainerStarted", data: { name: "both", node: "n1", ip: ip(48, 2), mac: macFor(ip(48, 2)), image: "busybox", cmd: [], ports: [], networks: [on("a", 48), on("ovl", 0)] } };
  const onlyA: OvlEvent = { type: "ContainerStarted", data: { name: "only", node: "n1", ip: ip(48, 3), mac: macFor(ip(48, 3)), image: "busybox", cmd: [], ports: [], networks: [{ network: "a", ip: ip(48, 3), mac: macFor(ip(48, 3)) }] } };
  const state = fold([...cluster("n1"), networkCreated("a", "198.19.48.0/20", 1), networkBlock("n1", "a", "198.19.48.0/24"), both, onlyA], NOW);
  assert.equal(Object.fromEntries(nameRecords(state)), { both: ip(0, 2), "both.ovl": ip(0, 2) });
  assert.equal(Object.fromEntries(nameRecords(state, "a")), { both: ip(48, 2), "both.a": ip(48, 2), only: ip(48, 3), "only.a": ip(48, 3) });
});

const ambiguous = suite("start: ambiguous names");
ambiguous("aliases are recorded in ContainerStarted", () => {
  given(cluster("n1")).when(start("db", { node: "n1", aliases: ["pg"] })).then([started("db", "n1", ip(0, 2), { aliases: ["pg"] })]);
});
ambiguous("no alias, or an empty list, records none", () => {
  given(cluster("n1")).when(start("db", { node: "n1", aliases: [] })).then([started("db", "n1", ip(0, 2))]);
});
ambiguous("an alias equal to another container's name is refused", () => {
  given([...cluster("n1", "n2"), started("web", "n2", ip(1, 2))])
    .when(start("db", { node: "n1", aliases: ["web"] }))
    .thenThrows(C.NameInUse, /alias web would be ambiguous: container web already answers to it \(its name\)/);
});
ambiguous("an alias equal to another container's alias is refused", () => {
  given([...cluster("n1"), started("a", "n1", ip(0, 2), { aliases: ["pg"] })])
    .when(start("b", { node: "n1", aliases: ["pg"] }))
    .thenThrows(C.NameInUse, /alias pg .*container a .*its alias/);
});
ambiguous("a name equal to another container's alias is refused", () => {
  given([...cluster("n1"), started("a", "n1", ip(0, 2), { aliases: ["pg"] })])
    .when(start("pg", { node: "n1" }))
    .thenThrows(C.NameInUse, /name pg would be ambiguous.*ovl rm a/);
});
ambiguous("a failed container keeps its aliases until it is removed", () => {
  const history = [...cluster("n1"), started("a", "n1", ip(0, 2), { aliases: ["pg"] }), failed("a", "n1", ip(0, 2))];
  given(history).when(start("b", { node: "n1", aliases: ["pg"] })).thenThrows(C.NameInUse);
  given([...history, stopped("a", "n1", ip(0, 2))]).when(start("b", { node: "n1", aliases: ["pg"] })).then([started("b", "n1", ip(0, 2), { aliases: ["pg"] })]);
});
ambiguous("the own name as an alias, or an alias twice, is refused", () => {
  given(cluster("n1")).when(start("db", { node: "n1", aliases: ["db"] })).thenThrows(C.InvalidInput, /alias db is the container's own name/);
  given(cluster("n1")).when(start("db", { node: "n1", aliases: ["pg", "pg"] })).thenThrows(C.InvalidInput, /alias pg is given twice/);
});
ambiguous("an alias must be a valid name, and at most 16 are taken", () => {
  const body = (aliases: unknown) => ({ name: "db", image: "busybox", cmd: [], ports: [], aliases });
  assert.throws(() => parseCommandData("StartContainer", body(["Bad_Name"])), (e: Error & { code?: string }) => e.code === C.InvalidInput && /aliases\.0/.test(e.message));
  assert.throws(() => parseCommandData("StartContainer", body(Array.from({ length: 17 }, (_, i) => `a${i}`))), (e: Error & { code?: string }) => e.code === C.InvalidInput);
  assert.ok(parseCommandData("StartContainer", body(["pg", "primary"])));
});
ambiguous.run();
