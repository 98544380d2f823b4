/** The Docker plugin's pure parts: request validation, port translation, and the driver's answers against a folded state (fake coordinator and links). */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { emptyState, evolve, macFor, type ClusterState, type OvlEvent } from "@ovl/domain";
import { AgentError, DoorDriver, FoldSignal, decider, foldedDecision, parsePluginRequest, peerNameFor, portBindingsOf, portsFromBindings, portsFromInspect, type DoorReply } from "@ovl/node-agent";

const parsing = suite("plugin requests are validated");
parsing("a well-formed body is typed; extra fields Docker adds are allowed", () => {
  const b = parsePluginRequest("NetworkDriver.Join", JSON.stringify({ NetworkID: "n1", EndpointID: "e1", SandboxKey: "/var/run/docker/netns/x", Options: {}, Later: 1 }));
  assert.is(b.EndpointID, "e1");
  assert.equal(parsePluginRequest("Plugin.Activate", ""), {});
});
parsing("a bad body is INVALID_INPUT naming the field", () => {
  const bad = (call: Parameters<typeof parsePluginRequest>[0], text: string, re: RegExp) => {
    try {
      parsePluginRequest(call, text);
      assert.unreachable("accepted");
    } catch (err) {
      assert.instance(err, AgentError);
      assert.is((err as AgentError).code, "INVALID_INPUT");
      assert.match((err as Error).message, re);
    }
  };
  bad("NetworkDriver.Join", "{", /not JSON/);
  bad("NetworkDriver.Join", JSON.stringify({ NetworkID: "n", SandboxKey: "/x" }), /EndpointID/);
  bad("NetworkDriver.CreateEndpoint", JSON.stringify({ NetworkID: "n", EndpointID: "../etc" }), /EndpointID/);
  bad("IpamDriver.ReleaseAddress", JSON.stringify({ PoolID: "ovl", Address: 7 }), /Address/);
});
parsing.run();

const ports = suite("published ports");
ports("Docker's port map becomes ovl's ports; any-address host IPs are dropped", () => {
  const map = portBindingsOf({ "com.docker.network.portmap": [{ Proto: 6, IP: "", Port: 80, HostIP: "", HostPort: 8080, HostPortEnd: 8080 }, { Proto: 17, Port: 53, HostIP: "198.18.0.11", HostPort: 5353 }] });
  assert.equal(portsFromBindings(map), [{ host: 8080, container: 80, proto: "tcp" }, { host: 5353, container: 53, proto: "udp", hostIp: "198.18.0.11" }]);
  assert.equal(portBindingsOf({}), []);
});
ports("a random host port, a range, another protocol or a malformed map are refused", () => {
  assert.throws(() => portsFromBindings([{ Proto: 6, Port: 80, HostPort: 0 }]), /not a random one/);
  assert.throws(() => portsFromBindings([{ Proto: 6, Port: 80, HostPort: 8080, HostPortEnd: 8090 }]), /range/);
  assert.throws(() => portsFromBindings([{ Proto: 132, Port: 80, HostPort: 8080 }]), /protocol 132/);
  assert.throws(() => portBindingsOf({ "com.docker.network.portmap": [{ Proto: "tcp" }] }), /not a list of port bindings/);
});
ports("a container's PortBindings read back as ovl's ports", () => {
  assert.equal(portsFromInspect({ "80/tcp": [{ HostIp: "", HostPort: "8080" }], "53/udp": null, "x": [{ HostPort: "1" }] }), [{ host: 8080, container: 80, proto: "tcp" }]);
});
ports.run();

// --- the driver against a folded state ------------------------------------------------------

const T = { time: "2026-01-01T00:00:00.000Z" };
const fold = (events: OvlEvent[]): ClusterState => events.reduce((s, e) => evolve(s, e, T), emptyState);
const base: OvlEvent[] = [
  { type: "ClusterCreated", data: { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 42, vxlanPort: 4789, mtu: 1450 } },
  { type: "NodeJoined", data: { node: "n1", underlayIp: "198.18.0.11", agentVersion: "0.1.0" } },
  { type: "SubnetAssigned", data: { node: "n1", subnet: "198.19.0.0/24", gateway: "198.19.0.1" } },
];

function driverWith(events: OvlEvent[], answer: (kind: string, body: Record<string, unknown>) => DoorReply) {
  const asked: { kind: string; body: Record<string, unknown> }[] = [];
  const links: string[] = [];
  const driver = new DoorDriver({
    node: "n1",
    state: () => fold(events),
    decide: async (kind, body) => (asked.push({ kind, body }), answer(kind, body)),
    links: { create: async (host, peer, mac, mtu, bridge) => void links.push(`add ${host} ${peer} ${mac} ${mtu} ${bridge}`), remove: async (n) => void links.push(`del ${n}`) },
    hostPortInUse: async (_p, port) => port === 9999,
    log: () => undefined,
  });
  return { driver, asked, links };
}

const driving = suite("the driver");
driving("activation and capabilities: both drivers, local scope", async () => {
  const { driver } = driverWith(base, () => ({ seq: 1 }));
  assert.equal(await driver.call("Plugin.Activate", {}), { Implements: ["NetworkDriver", "IpamDriver"] });
  assert.equal(await driver.call("NetworkDriver.GetCapabilities", {}), { Scope: "local", ConnectivityScope: "local" });
});
driving("the pool is the cluster's cidr; the gateway request answers the node's gateway without asking anyone", async () => {
  const { driver, asked } = driverWith(base, () => ({ seq: 1 }));
  assert.equal(await driver.call("IpamDriver.RequestPool", { Pool: "198.19.0.0/18" }), { PoolID: "ovl", Pool: "198.19.0.0/18", Data: {} });
  assert.equal(await driver.call("IpamDriver.RequestAddress", { PoolID: "ovl", Options: { RequestAddressType: "com.docker.network.gateway" } }), { Address: "198.19.0.1/18", Data: {} });
  assert.equal(asked, []);
  const v6 = await driver.call("IpamDriver.RequestPool", { V6: true }).then(() => "answered", (err: Error) => err.message);
  assert.match(v6, /no IPv6/);
});
driving("an address is reserved by the coordinators; endpoint, join and delete make and remove the veth", async () => {
  const { driver, asked, links } = driverWith(base, () => ({ ip: "198.19.0.2", seq: 4 }));
  assert.equal(await driver.call("IpamDriver.RequestAddress", { PoolID: "ovl" }), { Address: "198.19.0.2/18", Data: {} });
  assert.is(asked[0]!.kind, "docker-reserve");
  assert.match(String(asked[0]!.body.name), /^ipam-[0-9a-f]{10}$/);
  assert.equal(await driver.call("NetworkDriver.CreateEndpoint", { NetworkID: "n", EndpointID: "e1", Interface: { Address: "198.19.0.2/18" } }), { Interface: { MacAddress: macFor("198.19.0.2") } });
  const joined = await driver.call("NetworkDriver.Join", { NetworkID: "n", EndpointID: "e1", SandboxKey: "/x" });
  assert.equal(joined, { InterfaceName: { SrcName: peerNameFor("198.19.0.2"), DstPrefix: "eth" }, Gateway: "198.19.0.1" });
  await driver.call("NetworkDriver.DeleteEndpoint", { NetworkID: "n", EndpointID: "e1" });
  assert.equal(links, ["del ovlc6130002", `add ovlc6130002 ovpc6130002 ${macFor("198.19.0.2")} 1450 ovl-br`, "del ovlc6130002", "del ovpc6130002"]);
});
driving("a request the coordinators cannot answer fails with their reason and makes nothing", async () => {
  const { driver, links } = driverWith(base, () => {
    throw new Error("no coordinator answers on ovl.rpt.n1.docker-reserve");
  });
  try {
    await driver.call("IpamDriver.RequestAddress", { PoolID: "ovl" });
    assert.unreachable("answered");
  } catch (err) {
    assert.match((err as Error).message, /no coordinator answers/);
  }
  assert.equal(links, []);
});
driving("a stopped Docker container asking for its own address again keeps it without a new decision", async () => {
  const events: OvlEvent[] = [...base, { type: "ContainerStarted", data: { name: "web", node: "n1", ip: "198.19.0.5", mac: macFor("198.19.0.5"), image: "x", cmd: [], ports: [], origin: "docker" } }];
  const { driver, asked } = driverWith(events, () => ({ seq: 1 }));
  assert.equal(await driver.call("IpamDriver.RequestAddress", { PoolID: "ovl", Address: "198.19.0.5" }), { Address: "198.19.0.5/18", Data: {} });
  await driver.call("IpamDriver.ReleaseAddress", { PoolID: "ovl", Address: "198.19.0.5" });
  assert.equal(asked, [], "a named container keeps its address until docker rm");
});
driving("an unused reservation given back is released", async () => {
  const events: OvlEvent[] = [...base, { type: "ContainerStarted", data: { name: "ipam-1", node: "n1", ip: "198.19.0.2", mac: macFor("198.19.0.2"), image: "x", cmd: [], ports: [], origin: "docker-ipam" } }];
  const { driver, asked } = driverWith(events, () => ({ seq: 1 }));
  await driver.call("IpamDriver.ReleaseAddress", { PoolID: "ovl", Address: "198.19.0.2" });
  assert.equal(asked.map((a) => [a.kind, a.body.name, a.body.ip]), [["docker-release", "ipam-1", "198.19.0.2"]]);
});
driving("-p: ovl's conflict rules and ports held by other processes refuse", async () => {
  const events: OvlEvent[] = [...base, { type: "ContainerStarted", data: { name: "other", node: "n1", ip: "198.19.0.3", mac: macFor("198.19.0.3"), image: "x", cmd: [], ports: [{ host: 8080, container: 80, proto: "tcp" }] } }];
  const { driver } = driverWith(events, () => ({ seq: 1 }));
  await driver.call("NetworkDriver.CreateEndpoint", { NetworkID: "n", EndpointID: "e1", Interface: { Address: "198.19.0.2/18" } });
  const publish = (host: number) => driver.call("NetworkDriver.ProgramExternalConnectivity", { NetworkID: "n", EndpointID: "e1", Options: { "com.docker.network.portmap": [{ Proto: 6, Port: 80, HostPort: host }] } });
  const refused = async (host: number, re: RegExp) => {
    try {
      await publish(host);
      assert.unreachable("published");
    } catch (err) {
      assert.is((err as AgentError).code, "PORT_IN_USE");
      assert.match((err as Error).message, re);
    }
  };
  await refused(8080, /already published by container other/);
  await refused(9999, /another process/);
  assert.equal(await publish(8081), {});
});
driving("a Docker network on an ovl network: its pool, range, block, gateway and bridge", async () => {
  const events: OvlEvent[] = [
    ...base,
    { type: "NetworkCreated", data: { network: "back", cidr: "198.19.48.0/20", blockPrefix: 24, vni: 7, internal: false } },
    { type: "SubnetAssigned", data: { node: "n1", subnet: "198.19.48.0/24", gateway: "198.19.48.1", network: "back" } },
  ];
  const { driver, asked, links } = driverWith(events, () => ({ ip: "198.19.48.2", seq: 9 }));
  assert.equal(await driver.call("IpamDriver.RequestPool", { Pool: "198.19.48.0/20", Options: { network: "back" } }), { PoolID: "ovl/back", Pool: "198.19.48.0/20", Data: {} });
  assert.equal(await driver.call("NetworkDriver.CreateNetwork", { NetworkID: "d1", IPv4Data: [{ Pool: "198.19.48.0/20" }] }), {});
  assert.equal(await driver.call("IpamDriver.RequestAddress", { PoolID: "ovl/back", Options: { RequestAddressType: "com.docker.network.gateway" } }), { Address: "198.19.48.1/20", Data: {} });
  assert.equal(await driver.call("IpamDriver.RequestAddress", { PoolID: "ovl/back" }), { Address: "198.19.48.2/20", Data: {} });
  assert.is(asked[0]!.body.network, "back");
  await driver.call("NetworkDriver.CreateEndpoint", { NetworkID: "d1", EndpointID: "e1", Interface: { Address: "198.19.48.2/20" } });
  const joined = await driver.call("NetworkDriver.Join", { NetworkID: "d1", EndpointID: "e1", SandboxKey: "/x" });
  assert.equal(joined, { InterfaceName: { SrcName: peerNameFor("198.19.48.2"), DstPrefix: "eth" }, Gateway: "198.19.48.1" });
  assert.equal(links.filter((l) => l.startsWith("add")), [`add ovlc6133002 ovpc6133002 ${macFor("198.19.48.2")} 1450 ovlb-7`]);
  // `ovl` asks without the network, as before networks.
  await driver.call("IpamDriver.RequestAddress", { PoolID: "ovl" });
  assert.is(asked[1]!.body.network, undefined);
});
driving("an unknown ovl network, a foreign range, or a network the node has no block of is refused with the reason", async () => {
  const events: OvlEvent[] = [...base, { type: "NetworkCreated", data: { network: "far", cidr: "10.99.0.0/16", blockPrefix: 24, vni: 8, internal: false } }];
  const { driver, asked } = driverWith(events, () => ({ seq: 1 }));
  const why = (p: Promise<unknown>) => p.then(() => "answered", (err: AgentError) => `${err.code}: ${err.message}`);
  assert.match(await why(driver.call("IpamDriver.RequestPool", { Options: { network: "nope" } })), /INVALID_INPUT: no ovl network named nope/);
  assert.match(await why(driver.call("NetworkDriver.CreateNetwork", { NetworkID: "d1", IPv4Data: [{ Pool: "172.17.0.0/16" }] })), /no ovl network's/);
  assert.match(await why(driver.call("IpamDriver.RequestAddress", { PoolID: "ovl/far" })), /NETWORK_NOT_WIRED: node n1 holds no block of the ovl network far/);
  assert.match(await why(driver.call("IpamDriver.RequestAddress", { PoolID: "bridge" })), /unknown pool/);
  assert.equal(asked, []);
});
driving("bad or repeated releases change nothing and answer Docker: an unknown endpoint, a second ReleaseAddress, a Docker container's address, a pool not ovl's", async () => {
  const backIp = "198.19.48.2";
  const events: OvlEvent[] = [
    ...base,
    { type: "NetworkCreated", data: { network: "back", cidr: "198.19.48.0/20", blockPrefix: 24, vni: 7, internal: false } },
    { type: "SubnetAssigned", data: { node: "n1", subnet: "198.19.48.0/24", gateway: "198.19.48.1", network: "back" } },
    // On ovl and back (`docker network connect back`): Docker releases back's address at a disconnect and at every stop alike.
    { type: "ContainerStarted", data: { name: "web", node: "n1", ip: "198.19.0.5", mac: macFor("198.19.0.5"), image: "x", cmd: [], ports: [], origin: "docker", networks: [{ network: "ovl", ip: "198.19.0.5", mac: macFor("198.19.0.5") }, { network: "back", ip: backIp, mac: macFor(backIp) }] } },
  ];
  const { driver, asked, links } = driverWith(events, () => ({ seq: 1 }));
  assert.equal(await driver.call("NetworkDriver.Leave", { NetworkID: "n", EndpointID: "gone" }), {});
  assert.equal(await driver.call("NetworkDriver.DeleteEndpoint", { NetworkID: "n", EndpointID: "gone" }), {});
  for (let i = 0; i < 2; i++) {
    assert.equal(await driver.call("IpamDriver.ReleaseAddress", { PoolID: "ovl/back", Address: `${backIp}/20` }), {});
    assert.equal(await driver.call("IpamDriver.ReleaseAddress", { PoolID: "ovl", Address: "198.19.0.9" }), {}, "an address nobody holds (a reservation already given back)");
  }
  assert.equal(await driver.call("IpamDriver.ReleaseAddress", { PoolID: "bridge", Address: "172.17.0.2" }), {});
  assert.equal(await driver.call("IpamDriver.ReleaseAddress", { PoolID: "ovl", Address: "not-an-address" }), {});
  assert.equal(asked, [], "no decision: the watcher releases a disconnected network's address");
  assert.equal(links, []);
});
driving.run();

const folding = suite("waiting for the fold");
folding("a wait is woken by the folded events, not by a timer, and gives up after its time", async () => {
  const fold = new FoldSignal();
  let seq = 0;
  const t0 = Date.now();
  const reached = fold.until(() => seq >= 2, 5000);
  seq = 1;
  fold.applied();
  seq = 2;
  fold.applied();
  assert.is(await reached, true);
  assert.ok(Date.now() - t0 < 1000, "woken by the event");
  assert.is(await fold.until(() => seq >= 2, 5000), true, "already there: at once");
  assert.is(await fold.until(() => seq >= 3, 20), false, "never folded: gives up");
});
folding.run();

const deciding = suite("a decision: the coordinator's reply or the fold, the first");
const reservation = (name: string, ip: string): OvlEvent => ({ type: "ContainerStarted", data: { name, node: "n1", ip, mac: macFor(ip), image: "(docker endpoint)", cmd: [], ports: [], origin: "docker-ipam" } });
/** A decider over a fold the test moves forward, and a coordinator whose reply the test sends. */
function decidingWith() {
  const signal = new FoldSignal();
  const events: OvlEvent[] = [...base];
  let reply!: { resolve: (r: DoorReply) => void; reject: (e: Error) => void };
  const decide = decider({
    ask: () => new Promise<DoorReply>((resolve, reject) => (reply = { resolve, reject })),
    fold: signal,
    state: () => fold(events),
    seq: () => events.length,
    trace: async (_w, op) => op(),
    foldWaitMs: 1000,
    decideMs: 1000,
  });
  const folds = (e: OvlEvent) => (events.push(e), signal.applied());
  return { decide, folds, reply: () => reply };
}
deciding("a reservation folded before the reply is answered from the fold, without waiting for the reply", async () => {
  const { decide, folds } = decidingWith();
  const r = decide("docker-reserve", { node: "n1", name: "ipam-aa" });
  folds(reservation("ipam-bb", "198.19.0.2")); // another request's: not this one
  folds(reservation("ipam-aa", "198.19.0.3"));
  assert.equal(await r, { ip: "198.19.0.3", seq: 5 });
});
deciding("the reply that comes first is the answer, once the fold holds it", async () => {
  const { decide, folds, reply } = decidingWith();
  const r = decide("docker-reserve", { node: "n1", name: "ipam-aa" });
  reply().resolve({ ip: "198.19.0.3", seq: 4 });
  let done = false;
  void r.then(() => (done = true));
  await new Promise((res) => setTimeout(res, 20));
  assert.is(done, false, "waits for the fold to hold the decision");
  folds(reservation("ipam-aa", "198.19.0.3"));
  assert.equal(await r, { ip: "198.19.0.3", seq: 4 });
});
deciding("a refusal has no event: the reply's error fails the decision", async () => {
  const { decide, reply } = decidingWith();
  const r = decide("docker-reserve", { node: "n1", name: "ipam-aa" });
  reply().reject(new Error("ADDRESSES_EXHAUSTED"));
  assert.match(await r.then(() => "answered", (e: Error) => e.message), /ADDRESSES_EXHAUSTED/);
});
deciding("only a reservation's fresh name is read from the fold", () => {
  const s = fold([...base, reservation("ipam-aa", "198.19.0.3")]);
  assert.equal(foldedDecision(s, "docker-reserve", { node: "n1", name: "ipam-aa" }, 7), { ip: "198.19.0.3", seq: 7 });
  assert.is(foldedDecision(s, "docker-reserve", { node: "n2", name: "ipam-aa" }, 7), null);
  assert.is(foldedDecision(s, "docker-claim", { node: "n1", name: "ipam-aa" }, 7), null);
});
deciding.run();
