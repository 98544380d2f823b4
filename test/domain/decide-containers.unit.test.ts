/** decide: starting and removing containers (addresses, names, ports, placement). */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { OvlErrorCodes as C, type OvlEvent } from "@ovl/domain";
import { given } from "../support/given.js";
import { cluster, clusterCreated, joined, lan, leaving, lost, member, rm, start, started, stopped } from "./builders.js";

const ip = (i: number, host: number) => `198.19.${i}.${host}`;

const addresses = suite("start: addresses");
addresses("the first container gets .2: never the network (.0) or the gateway (.1)", () => {
  given(cluster("n1")).when(start("web", { node: "n1" })).then([started("web", "n1", ip(0, 2))]);
});
addresses("takes the lowest free address, also a hole left by a removed container", () => {
  const history = [...cluster("n1"), started("a", "n1", ip(0, 2)), started("b", "n1", ip(0, 3)), started("c", "n1", ip(0, 4))];
  given(history).when(start("d", { node: "n1" })).then([started("d", "n1", ip(0, 5))]);
  given([...history, stopped("b", "n1", ip(0, 3))]).when(start("d", { node: "n1" })).then([started("d", "n1", ip(0, 3))]);
});
addresses("remove frees the address for the next start", () => {
  const history = [...cluster("n1"), started("web", "n1", ip(0, 2))];
  const state = given(history).when(rm("web")).then([stopped("web", "n1", ip(0, 2))]);
  assert.equal(state.nodes.n1?.containers, {});
  given([...history, stopped("web", "n1", ip(0, 2))]).when(start("api", { node: "n1" })).then([started("api", "n1", ip(0, 2))]);
});
addresses("the last address is below the broadcast; then the block is exhausted", () => {
  // A /29 block: .0 network, .1 gateway, .2-.6 containers, .7 broadcast.
  const small = [clusterCreated({ cidr: "198.19.0.0/26", blockPrefix: 29 }), ...member("n1", 0)].map((e): OvlEvent =>
    e.type === "SubnetAssigned" ? { ...e, data: { ...e.data, subnet: "198.19.0.0/29" } } : e,
  );
  const four = [2, 3, 4, 5].map((h) => started(`c${h}`, "n1", ip(0, h)));
  given([...small, ...four]).when(start("last", { node: "n1" })).then([started("last", "n1", ip(0, 6))]);
  given([...small, ...four, started("last", "n1", ip(0, 6))])
    .when(start("more", { node: "n1" }))
    .thenThrows(C.AddressesExhausted, /198\.19\.0\.0\/29 has no free address/);
});
addresses("carries image, command and ports; MAC derived from the address", () => {
  const ports = [{ host: 8080, container: 80, proto: "tcp" as const }];
  const [event] = given(cluster("n1")).when(start("web", { node: "n1", image: "registry:5000/team/app:1.2", cmd: ["sh", "-c", "sleep 1"], ports })).events();
  assert.equal(event, started("web", "n1", ip(0, 2), { image: "registry:5000/team/app:1.2", cmd: ["sh", "-c", "sleep 1"], ports }));
  assert.is(event?.type === "ContainerStarted" && event.data.mac, "0a:58:c6:13:00:02");
});
addresses.run();

const names = suite("start: names and nodes");
names("a name is unique across the cluster, whatever the node", () => {
  const history = [...cluster("n1", "n2"), started("web", "n1", ip(0, 2))];
  given(history).when(start("web", { node: "n2" })).thenThrows(C.ContainerExists, /already exists on node n1.*ovl rm web/);
});
names("a failed container keeps its name and address until it is removed", () => {
  const history = [...cluster("n1"), started("web", "n1", ip(0, 2)), { type: "ContainerFailed", data: { name: "web", node: "n1", ip: ip(0, 2), reason: "no image" } } as OvlEvent];
  given(history).when(start("web", { node: "n1" })).thenThrows(C.ContainerExists);
  given(history).when(start("api", { node: "n1" })).then([started("api", "n1", ip(0, 3))]);
});
names("a container on a lost node keeps its name until the node rejoins or is released", () => {
  given([...cluster("n1", "n2"), started("web", "n1", ip(0, 2)), lost("n1")]).when(start("web", { node: "n2" })).thenThrows(C.ContainerExists);
});
names("an unknown node, a leaving node or a lost node takes no container", () => {
  given(cluster("n1")).when(start("web", { node: "n9" })).thenThrows(C.NodeNotFound);
  given([...cluster("n1"), leaving("n1")]).when(start("web", { node: "n1" })).thenThrows(C.NodeNotReady, /n1 is leaving/);
  given([...cluster("n1"), lost("n1")]).when(start("web", { node: "n1" })).thenThrows(C.NodeNotReady, /n1 is lost/);
});
names("a node whose join is half done takes no container", () => {
  given([...cluster("n1"), joined("n2")])
    .when(start("web", { node: "n2" }))
    .thenThrows(C.NodeNotReady);
});
names("an image that could escape into a shell or path is refused", () => {
  given(cluster("n1")).when(start("web", { node: "n1", image: "busybox;rm -rf /" })).thenThrows(C.InvalidInput, /invalid image/);
});
names("no cluster, no start", () => {
  given([]).when(start("web")).thenThrows(C.ClusterNotCreated);
});
names.run();

const placement = suite("start: placement without --node");
placement("goes to the ready node with the most free addresses", () => {
  const history = [...cluster("n1", "n2", "n3"), started("a", "n1", ip(0, 2)), started("b", "n2", ip(1, 2)), started("c", "n1", ip(0, 3))];
  given(history).when(start("d")).then([started("d", "n3", ip(2, 2))]);
  given([...history, started("d", "n3", ip(2, 2))]).when(start("e")).then([started("e", "n2", ip(1, 3))]);
});
placement("ties go to the first name", () => {
  given(cluster("n2", "n1")).when(start("web")).then([started("web", "n1", ip(1, 2))]);
});
placement("skips lost, leaving and half-joined nodes", () => {
  const history = [...cluster("n1", "n2", "n3"), started("a", "n3", ip(2, 2)), lost("n1"), leaving("n2")];
  given(history).when(start("web")).then([started("web", "n3", ip(2, 3))]);
  given([...cluster("n1"), lost("n1")]).when(start("web")).thenThrows(C.NoNodes, /ovl agent/);
  given([clusterCreated()]).when(start("web")).thenThrows(C.NoNodes);
});
placement.run();

const ports = suite("start: published ports");
const tcp = (host: number, container = 80, hostIp?: string) => ({ ...(hostIp ? { hostIp } : {}), host, container, proto: "tcp" as const });
const withWeb = [...cluster("n1", "n2"), started("web", "n1", ip(0, 2), { ports: [tcp(8080)] })];
ports("the same host port and protocol on the same node clash", () => {
  given(withWeb).when(start("api", { node: "n1", ports: [tcp(8080, 81)] })).thenThrows(C.PortInUse, /8080\/tcp on node n1 is already published by container web/);
});
ports("another protocol, another port or another node do not clash", () => {
  const udp = [{ host: 8080, container: 80, proto: "udp" as const }];
  given(withWeb).when(start("api", { node: "n1", ports: udp })).then([started("api", "n1", ip(0, 3), { ports: udp })]);
  given(withWeb).when(start("api", { node: "n1", ports: [tcp(8081)] })).then([started("api", "n1", ip(0, 3), { ports: [tcp(8081)] })]);
  given(withWeb).when(start("api", { node: "n2", ports: [tcp(8080)] })).then([started("api", "n2", ip(1, 2), { ports: [tcp(8080)] })]);
});
ports("a host address overlaps every-address, and itself", () => {
  given(withWeb).when(start("api", { node: "n1", ports: [tcp(8080, 80, lan("n1"))] })).thenThrows(C.PortInUse);
  const pinned = [...cluster("n1"), started("web", "n1", ip(0, 2), { ports: [tcp(8080, 80, lan("n1"))] })];
  given(pinned).when(start("api", { node: "n1", ports: [tcp(8080)] })).thenThrows(C.PortInUse);
});
ports("the same mapping twice in one request is refused", () => {
  given(cluster("n1")).when(start("web", { node: "n1", ports: [tcp(8080), tcp(8080, 81)] })).thenThrows(C.PortInUse, /given twice/);
});
ports("a host address must be the node's own address", () => {
  given(cluster("n1")).when(start("web", { node: "n1", ports: [tcp(8080, 80, lan("n2"))] })).thenThrows(C.InvalidInput, /198\.18\.0\.12 is not node n1's address 198\.18\.0\.11/);
  given(cluster("n1")).when(start("web", { node: "n1", ports: [tcp(8080, 80, lan("n1"))] })).then([started("web", "n1", ip(0, 2), { ports: [tcp(8080, 80, lan("n1"))] })]);
});
ports("removing the holder frees the port", () => {
  given([...withWeb, stopped("web", "n1", ip(0, 2))]).when(start("api", { node: "n1", ports: [tcp(8080)] })).then([started("api", "n1", ip(0, 2), { ports: [tcp(8080)] })]);
});
ports.run();

const removing = suite("remove");
removing("an unknown container is refused", () => {
  given(cluster("n1")).when(rm("web")).thenThrows(C.ContainerNotFound, /no container named web/);
});
removing("works on a lost node too, freeing the address at once", () => {
  given([...cluster("n1"), started("web", "n1", ip(0, 2)), lost("n1")]).when(rm("web")).then([stopped("web", "n1", ip(0, 2))]);
});
removing("twice: the second is refused, nothing appended", () => {
  given([...cluster("n1"), started("web", "n1", ip(0, 2)), stopped("web", "n1", ip(0, 2))]).when(rm("web")).thenThrows(C.ContainerNotFound);
});
removing.run();
