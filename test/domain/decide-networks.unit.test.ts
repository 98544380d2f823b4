/** decide: networks (create, remove, blocks at join, containers on several networks) and the fold of histories without them. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { OvlError, OvlErrorCodes as C, macFor, parseCommandData, networkRows, networksOf, type OvlEvent } from "@ovl/domain";
import { fold, given } from "../support/given.js";
import { NOW, stopped, cluster, createNetwork, join, joined, member, networkBlock, networkCreated, networkRemoved, removeNetwork, rm, start, started, subnetAssigned } from "./builders.js";

/** The top /20 of the test cluster's 198.19.0.0/18: where the first network's range goes. */
const TOP = "198.19.48.0/20";
const withBack = (...nodes: string[]): OvlEvent[] => [
  ...cluster(...nodes),
  networkCreated("back", TOP, 1),
  ...nodes.map((n, i) => networkBlock(n, "back", `198.19.${48 + i}.0/24`)),
];
/** A ContainerStarted on several networks, the first one's address being its `ip`. */
const startedOn = (name: string, node: string, on: [string, string][]): OvlEvent => ({
  type: "ContainerStarted",
  data: { name, node, ip: on[0]![1], mac: macFor(on[0]![1]), image: "busybox", cmd: [], ports: [], networks: on.map(([network, ip]) => ({ network, ip, mac: macFor(ip) })) },
});

const old = suite("a history without network events");
old("has the one network ovl, with the cluster's range and VNI, and its containers are on it", () => {
  const state = fold([...cluster("n1"), started("web", "n1", "198.19.0.2")], NOW);
  assert.equal(networksOf(state), [{ name: "ovl", cidr: "198.19.0.0/18", blockPrefix: 24, vni: 42, internal: false }]);
  assert.equal(networkRows(state), [{ name: "ovl", cidr: "198.19.0.0/18", blockPrefix: 24, vni: 42, internal: false, nodes: 1, containers: 1, excludes: [] }]);
  assert.is(state.networks, undefined);
});

const create = suite("network create");
create("takes the top free range of the cluster cidr, the lowest free VNI, and a block per member node", () => {
  given(cluster("n1", "n2")).when(createNetwork("back")).then(withBack("n1", "n2").slice(cluster("n1", "n2").length));
});
create("a given range and --internal are kept", () => {
  given(cluster("n1")).when(createNetwork("db", { cidr: "10.99.0.0/16", internal: true })).then([
    networkCreated("db", "10.99.0.0/16", 1, { internal: true }),
    networkBlock("n1", "db", "10.99.0.0/24"),
  ]);
});
create("a second network takes the next free range below and the next VNI", () => {
  given(withBack("n1")).when(createNetwork("front")).then([networkCreated("front", "198.19.32.0/20", 2), networkBlock("n1", "front", "198.19.32.0/24")]);
});
create("refused: overlapping ranges, the name ovl, an existing name, a range too small; nothing decided", () => {
  given(withBack("n1")).when(createNetwork("other", { cidr: "198.19.56.0/21" })).thenThrows(C.NetworkOverlap, /overlaps network back's range/);
  given(withBack("n1")).when(createNetwork("other", { cidr: "198.19.0.0/16" })).thenThrows(C.NetworkOverlap, /overlaps/);
  given(cluster("n1")).when(createNetwork("other", { cidr: "198.19.0.0/24" })).thenThrows(C.NetworkOverlap, /node n1's block 198\.19\.0\.0\/24 of network ovl/);
  given(cluster("n1")).when(createNetwork("other", { cidr: "198.18.0.0/24" })).thenThrows(C.NetworkOverlap, /LAN address/);
  given(cluster("n1")).when(createNetwork("ovl")).thenThrows(C.NetworkExists, /cluster's own/);
  given(withBack("n1")).when(createNetwork("back")).thenThrows(C.NetworkExists, /already exists/);
  given(cluster("n1")).when(createNetwork("tiny", { cidr: "10.99.0.0/30" })).thenThrows(C.InvalidInput, /too small/);
});
create("bad network names never become a command", () => {
  for (const network of ["Bad", "a.b", "", "-x", "x".repeat(33)]) {
    assert.throws(() => parseCommandData("CreateNetwork", { network }), (e: unknown) => e instanceof OvlError && e.code === C.InvalidInput);
  }
});
create("deciding again after a cut append completes the blocks", () => {
  given([...cluster("n1", "n2"), networkCreated("back", TOP, 1), networkBlock("n1", "back", "198.19.48.0/24")])
    .when(createNetwork("back"))
    .then([networkBlock("n2", "back", "198.19.49.0/24")]);
});

const joins = suite("join with networks");
joins("a joining node gets its block of ovl, then one of each network", () => {
  given(withBack("n1")).when(join("n2")).then([joined("n2"), subnetAssigned("n2", 1), networkBlock("n2", "back", "198.19.49.0/24")]);
});
joins("ovl's blocks go around the networks' ranges", () => {
  const nodes = Array.from({ length: 48 }, (_, i) => `m${i}`);
  const history = [...cluster(), networkCreated("back", TOP, 1), ...nodes.flatMap((n, i) => member(n, i, `198.18.1.${i + 1}`))];
  given(history).when(join("n1")).thenThrows(C.BlocksExhausted);
});
joins("a member that lacks a block of a network gets it when it joins again", () => {
  given([...cluster("n1"), networkCreated("back", TOP, 1)]).when(join("n1")).then([networkBlock("n1", "back", "198.19.48.0/24")]);
});

const run = suite("start on networks");
run("one address per network, the first one's is its ip", () => {
  given(withBack("n1")).when(start("web", { node: "n1", networks: ["back", "ovl"] })).then([
    startedOn("web", "n1", [["back", "198.19.48.2"], ["ovl", "198.19.0.2"]]),
  ]);
});
run("only ovl is recorded as before: no networks field", () => {
  given(withBack("n1")).when(start("web", { node: "n1", networks: ["ovl"] })).then([started("web", "n1", "198.19.0.2")]);
});
run("addresses on a network are lowest free among the node's containers there", () => {
  const history = [...withBack("n1"), startedOn("a", "n1", [["back", "198.19.48.2"]])];
  given(history).when(start("b", { node: "n1", networks: ["back"] })).then([startedOn("b", "n1", [["back", "198.19.48.3"]])]);
});
run("refused: unknown network, a network twice, ports on an internal network", () => {
  given(withBack("n1")).when(start("web", { networks: ["nope"] })).thenThrows(C.NetworkNotFound, /no network named nope/);
  given(withBack("n1")).when(start("web", { networks: ["back", "back"] })).thenThrows(C.InvalidInput, /given twice/);
  const internal = [...cluster("n1"), networkCreated("db", "10.99.0.0/16", 1, { internal: true }), networkBlock("n1", "db", "10.99.0.0/24")];
  given(internal).when(start("web", { networks: ["db"], ports: [{ host: 8080, container: 80, proto: "tcp" }] })).thenThrows(C.InvalidInput, /internal/);
});
run("placement picks a node that holds a block of each network", () => {
  const history = [...cluster("n1", "n2"), networkCreated("back", TOP, 1), networkBlock("n2", "back", "198.19.48.0/24")];
  given(history).when(start("web", { networks: ["back"] })).then([startedOn("web", "n2", [["back", "198.19.48.2"]])]);
});

const remove = suite("network rm");
remove("frees the range and every node's block", () => {
  const state = given(withBack("n1", "n2")).when(removeNetwork("back")).then([networkRemoved("back")]);
  assert.is(state.networks, undefined);
  assert.is(state.nodes.n1?.blocks, undefined);
});
remove("refused while a container is on it, for ovl, and for an unknown network", () => {
  const history = [...withBack("n1"), startedOn("web", "n1", [["ovl", "198.19.0.2"], ["back", "198.19.48.2"]])];
  given(history).when(removeNetwork("back")).thenThrows(C.NetworkInUse, /in use by web/);
  given(history).when(removeNetwork("ovl")).thenThrows(C.InvalidInput, /cannot be removed/);
  given(history).when(removeNetwork("nope")).thenThrows(C.NetworkNotFound);
});
remove("once its containers are removed it can go", () => {
  const history = [...withBack("n1"), startedOn("web", "n1", [["back", "198.19.48.2"]])];
  given(history).when(rm("web")).then([stopped("web", "n1", "198.19.48.2")]);
  given([...history, stopped("web", "n1", "198.19.48.2")]).when(removeNetwork("back")).then([networkRemoved("back")]);
});

for (const s of [old, create, joins, run, remove]) s.run();
