/** `ovl ps --node/--state/--network`: the coordinator's filters and the checks on the query body. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { OvlError, macFor, parsePsQuery, psRows, psRowsFor } from "@ovl/domain";
import { fold } from "../support/given.js";
import { NOW, cluster, failed, lost, networkBlock, networkCreated, running, started } from "./builders.js";

const history = [
  ...cluster("n1", "n2", "n3"),
  started("web", "n2", "198.19.1.2"),
  running("web", "n2", "198.19.1.2"),
  started("api", "n1", "198.19.0.2"),
  failed("api", "n1", "198.19.0.2", "no such image"),
  started("db", "n2", "198.19.1.3"),
  started("cache", "n3", "198.19.2.2"),
  running("cache", "n3", "198.19.2.2"),
  lost("n3"),
];
const state = fold(history, NOW);
const names = (q: object) => psRowsFor(state, parsePsQuery(q)).map((r) => r.name);

const filters = suite("ps filters");
filters("no filter: every row, as psRows", () => {
  assert.equal(psRowsFor(state, parsePsQuery({})), psRows(state));
});
filters("by node: that node's containers by name; an unknown node has none", () => {
  assert.equal(names({ node: "n2" }), ["db", "web"]);
  assert.equal(names({ node: "n9" }), []);
  assert.equal(names({ node: "constructor" }), [], "an inherited key of a plain object is no node");
});
filters("by state: as ps shows it (a lost node's containers are lost)", () => {
  assert.equal(names({ state: "running" }), ["web"]);
  assert.equal(names({ state: "lost" }), ["cache"]);
  assert.equal(names({ state: "failed", node: "n1" }), ["api"]);
  assert.equal(names({ state: "pending", node: "n1" }), []);
});
filters("by network: ovl holds every container of a history without networks; an unknown one is refused", () => {
  assert.equal(names({ network: "ovl" }), psRows(state).map((r) => r.name));
  assert.throws(() => names({ network: "other" }), (e: OvlError) => e.code === "NETWORK_NOT_FOUND" && /unknown network "other"/.test(e.message));
});
filters("by network: the containers on it, whatever their first network", () => {
  const withA = fold([
    ...history,
    networkCreated("a", "198.19.48.0/20", 2),
    networkBlock("n1", "a", "198.19.48.0/24"),
    { type: "ContainerStarted", data: { name: "both", node: "n1", ip: "198.19.0.3", mac: macFor("198.19.0.3"), image: "busybox", cmd: [], ports: [], networks: [{ network: "ovl", ip: "198.19.0.3", mac: macFor("198.19.0.3") }, { network: "a", ip: "198.19.48.2", mac: macFor("198.19.48.2") }] } },
  ], NOW);
  assert.equal(psRowsFor(withA, parsePsQuery({ network: "a" })).map((r) => [r.name, r.ip, r.networks]), [
    ["both", "198.19.0.3", [{ network: "ovl", ip: "198.19.0.3" }, { network: "a", ip: "198.19.48.2" }]],
  ]);
});
filters.run();

const checks = suite("ps query checks");
for (const [what, body, message] of [
  ["not an object", [], /expected an object/],
  ["an unknown field", { all: true }, /unknown field "all"/],
  ["a bad node name", { node: "N1!" }, /invalid node name/],
  ["an unknown state", { state: "sleeping" }, /invalid state "sleeping": expected one of pending, running, failed, exited, lost/],
  ["a bad network name", { network: "Other!" }, /invalid network name "Other!"/],
] as const) {
  checks(`refuses ${what}`, () => {
    assert.throws(() => parsePsQuery(body), (e: OvlError) => e.code === "INVALID_INPUT" && message.test(e.message));
  });
}
checks.run();
