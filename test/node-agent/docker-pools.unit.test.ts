/** Which ovl network a Docker network of driver ovl is: pools, ranges, addresses and bridges (pure). */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { emptyState, evolve, type ClusterState, type OvlEvent } from "@ovl/domain";
import { AgentError, connectedContainer, doorAddressesOf, networkOfDockerSubnet, networkOfPool, networkOfRange, placementOf, placementOn, poolFor, poolIdOf } from "@ovl/node-agent";

const T = { time: "2026-01-01T00:00:00.000Z" };
const fold = (events: OvlEvent[]): ClusterState => events.reduce((s, e) => evolve(s, e, T), emptyState);
const state = fold([
  { type: "ClusterCreated", data: { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 42, vxlanPort: 4789, mtu: 1450 } },
  { type: "NodeJoined", data: { node: "n1", underlayIp: "198.18.0.11", agentVersion: "0.1.0" } },
  { type: "SubnetAssigned", data: { node: "n1", subnet: "198.19.0.0/24", gateway: "198.19.0.1" } },
  { type: "NetworkCreated", data: { network: "back", cidr: "198.19.48.0/20", blockPrefix: 24, vni: 7, internal: false } },
  { type: "SubnetAssigned", data: { node: "n1", subnet: "198.19.48.0/24", gateway: "198.19.48.1", network: "back" } },
  { type: "NetworkCreated", data: { network: "far", cidr: "10.99.0.0/16", blockPrefix: 24, vni: 8, internal: false } },
]);
const n1 = state.nodes["n1"]!;

const refused = (f: () => unknown, re: RegExp) => {
  try {
    f();
    assert.unreachable("accepted");
  } catch (err) {
    assert.instance(err, AgentError);
    assert.is((err as AgentError).code, "INVALID_INPUT");
    assert.match((err as Error).message, re);
  }
};

const pools = suite("RequestPool: which ovl network");
pools("--subnet of a network's range: that network; ovl's keeps the pool id it always had", () => {
  assert.equal(poolFor(state, { Pool: "198.19.0.0/18" }), { PoolID: "ovl", Pool: "198.19.0.0/18", Data: {} });
  assert.equal(poolFor(state, { Pool: "10.99.0.0/16", Options: {} }), { PoolID: "ovl/far", Pool: "10.99.0.0/16", Data: {} });
  assert.equal(poolFor(state, { Pool: "198.19.48.0/20", Options: { network: "back" } }), { PoolID: "ovl/back", Pool: "198.19.48.0/20", Data: {} });
  assert.equal(poolFor(state, { Pool: "198.19.0.0/18", Options: { network: "ovl" } }).PoolID, "ovl");
});
pools("no --subnet: refused with the command to type (Docker would ask again without end)", () => {
  refused(() => poolFor(state, { Options: { network: "back" } }), /needs --subnet.*`docker network create -d ovl --ipam-driver ovl --subnet 198.19.48.0\/20 back`/);
  refused(() => poolFor(state, {}), /`docker network create -d ovl --ipam-driver ovl --subnet 198.19.0.0\/18 NAME`/);
  refused(() => poolFor(state, { Options: null }), /--subnet 198.19.0.0\/18/);
  refused(() => poolFor(state, { Pool: "" }), /needs --subnet/);
});
pools("an unknown network, a range no network has, a mismatch, IPv6 or no cluster: refused with the reason", () => {
  refused(() => poolFor(state, { Options: { network: "nope" } }), /no ovl network named nope.*ovl network create nope.*--subnet <its range> nope/);
  refused(() => poolFor(state, { Pool: "198.19.48.0/20", Options: { network: "nope" } }), /no ovl network named nope/);
  refused(() => poolFor(state, { Pool: "172.30.0.0/16" }), /no ovl network has the range 172.30.0.0\/16/);
  refused(() => poolFor(state, { Pool: "10.99.0.0/16", Options: { network: "back" } }), /back has the range 198.19.48.0\/20, not 10.99.0.0\/16: `docker network create -d ovl --ipam-driver ovl --subnet 198.19.48.0\/20 back`/);
  refused(() => poolFor(state, { Options: { network: "" } }), /must name an ovl network/);
  refused(() => poolFor(state, { V6: true }), /IPv6/);
  refused(() => poolFor(emptyState, {}), /not created/);
});
pools("a pool id names its network; an id not ovl's is refused", () => {
  assert.is(networkOfPool(poolIdOf("ovl")), "ovl");
  assert.is(networkOfPool(poolIdOf("back")), "back");
  refused(() => networkOfPool("default"), /unknown pool/);
  refused(() => networkOfPool("ovl/"), /unknown pool/);
  refused(() => networkOfPool("ovl/../x"), /unknown pool/);
});
pools.run();

const placing = suite("CreateNetwork and endpoints: range and address name the network");
placing("CreateNetwork's range is an ovl network's, or it is refused", () => {
  assert.is(networkOfRange(state, [{ Pool: "198.19.48.0/20" }]).name, "back");
  assert.is(networkOfRange(state, [{ Pool: "198.19.0.0/18" }]).name, "ovl");
  assert.is(networkOfRange(state, undefined).name, "ovl");
  refused(() => networkOfRange(state, [{ Pool: "172.17.0.0/16" }]), /no ovl network's/);
});
placing("an address of the node's block of a network puts the endpoint on that network's bridge", () => {
  assert.equal(placementOf(state, n1, "198.19.48.5"), { network: "back", subnet: "198.19.48.0/24", gateway: "198.19.48.1", prefix: 20, bridge: "ovlb-7" });
  assert.equal(placementOf(state, n1, "198.19.0.5"), { network: "ovl", subnet: "198.19.0.0/24", gateway: "198.19.0.1", prefix: 18, bridge: "ovl-br" });
  assert.is(placementOf(state, n1, "198.19.49.5"), null); // another node's block of back
  assert.is(placementOn(state, n1, "far"), null); // no block of far on n1 (yet)
});
placing("of a container's Docker addresses, those in this node's ovl blocks", () => {
  assert.equal(doorAddressesOf(state, n1, ["172.17.0.2", undefined, "198.19.48.3", "198.19.0.4"]), ["198.19.48.3", "198.19.0.4"]);
  assert.equal(doorAddressesOf(state, n1, ["172.17.0.2", "", "not-an-ip"]), []);
  assert.equal(doorAddressesOf(state, undefined, ["198.19.0.2"]), []);
});
placing("a network's connect event names its container when the network is ovl's (or the driver is not said)", () => {
  const id = "0123456789ab".repeat(2);
  assert.is(connectedContainer({ container: id, name: "back", type: "ovl" }), id);
  assert.is(connectedContainer({ container: id }), id);
  assert.is(connectedContainer({ container: id, type: "bridge" }), null);
  assert.is(connectedContainer({ container: "../x", type: "ovl" }), null);
  assert.is(connectedContainer({ type: "ovl" }), null);
});
placing("a Docker network's range names its ovl network; another range, or none, names none", () => {
  assert.is(networkOfDockerSubnet(state, "198.19.48.0/20"), "back");
  assert.is(networkOfDockerSubnet(state, "198.19.0.0/18"), "ovl");
  assert.is(networkOfDockerSubnet(state, "172.17.0.0/16"), null);
  assert.is(networkOfDockerSubnet(state, null), null);
  assert.is(networkOfDockerSubnet(emptyState, "198.19.48.0/20"), null);
});
placing.run();
