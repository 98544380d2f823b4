/** decide: Docker's door (reserve an address, claim it under the Docker name, release it) and Docker names as ovl names. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { OvlErrorCodes as C, RESERVATION_IMAGE, macFor, ovlNameForDocker, type OvlEvent, type PortMapping } from "@ovl/domain";
import { given } from "../support/given.js";
import { cluster, cmd, networkBlock, networkCreated, started, stopped } from "./builders.js";

const reserve = (name: string, preferred?: string) => cmd("ReserveDockerAddress", { node: "n1", name, ...(preferred ? { preferred } : {}) });
const reserveOn = (name: string, network: string, preferred?: string) => cmd("ReserveDockerAddress", { node: "n1", name, network, ...(preferred ? { preferred } : {}) });
const claim = (reservation: string, name: string, ports: PortMapping[] = []) => cmd("ClaimDockerAddress", { node: "n1", reservation, name, image: "nginx", ports });
const releaseDocker = (name: string, ip: string, reason = "docker rm") => cmd("ReleaseDockerAddress", { node: "n1", name, ip, reason });
const reserved = (name: string, ip: string): OvlEvent => ({
  type: "ContainerStarted",
  data: { name, node: "n1", ip, mac: macFor(ip), image: RESERVATION_IMAGE, cmd: [], ports: [], origin: "docker-ipam" },
});
const dockerStarted = (name: string, ip: string, ports: PortMapping[] = []): OvlEvent => ({
  type: "ContainerStarted",
  data: { name, node: "n1", ip, mac: macFor(ip), image: "nginx", cmd: [], ports, origin: "docker" },
});
const P8080: PortMapping = { host: 8080, container: 80, proto: "tcp" };

const reserving = suite("ReserveDockerAddress");
reserving("takes the node's lowest free address, as ovl run does, marked docker-ipam", () => {
  const state = given([...cluster("n1"), started("a", "n1", "198.19.0.2")]).when(reserve("ipam-1")).then([reserved("ipam-1", "198.19.0.3")]);
  assert.is(state.nodes.n1?.containers["ipam-1"]?.origin, "docker-ipam");
});
reserving("takes Docker's preferred address when it is free in the block, else the lowest free one", () => {
  given(cluster("n1")).when(reserve("ipam-1", "198.19.0.9")).then([reserved("ipam-1", "198.19.0.9")]);
  given([...cluster("n1"), started("a", "n1", "198.19.0.9")]).when(reserve("ipam-1", "198.19.0.9")).then([reserved("ipam-1", "198.19.0.2")]);
  given(cluster("n1")).when(reserve("ipam-1", "198.19.5.9")).then([reserved("ipam-1", "198.19.0.2")]);
  given(cluster("n1")).when(reserve("ipam-1", "198.19.0.1")).then([reserved("ipam-1", "198.19.0.2")]);
});
reserving("refuses without a cluster, on a node not ready, or with the block full", () => {
  given([]).when(reserve("ipam-1")).thenThrows(C.ClusterNotCreated);
  given(cluster("n2")).when(reserve("ipam-1")).thenThrows(C.NodeNotFound);
  given([...cluster("n1"), { type: "NodeLost", data: { node: "n1", lastSeen: null } }]).when(reserve("ipam-1")).thenThrows(C.NodeNotReady);
  const small = [{ type: "ClusterCreated", data: { cidr: "198.19.0.0/24", blockPrefix: 30, vni: 42, vxlanPort: 4789, mtu: 1450 } }, { type: "NodeJoined", data: { node: "n1", underlayIp: "198.18.0.11", agentVersion: "0.1.0" } }, { type: "SubnetAssigned", data: { node: "n1", subnet: "198.19.0.0/30", gateway: "198.19.0.1" } }, started("a", "n1", "198.19.0.2")] as OvlEvent[];
  given(small).when(reserve("ipam-1")).thenThrows(C.AddressesExhausted, /no free address/);
});
reserving.run();

const claiming = suite("ClaimDockerAddress");
const withReservation = [...cluster("n1"), reserved("ipam-1", "198.19.0.2")];
claiming("the container takes the address under its Docker name, with its ports, then the reservation ends", () => {
  const state = given(withReservation)
    .when(claim("ipam-1", "web", [P8080]))
    .then([dockerStarted("web", "198.19.0.2", [P8080]), stopped("ipam-1", "n1", "198.19.0.2", "taken by docker container web")]);
  assert.equal(Object.keys(state.nodes.n1!.containers), ["web"]);
});
claiming("a Docker container started again on a new address replaces its old record", () => {
  given([...withReservation, dockerStarted("web", "198.19.0.5")])
    .when(claim("ipam-1", "web"))
    .then([stopped("web", "n1", "198.19.0.5", "docker started it again on another address"), dockerStarted("web", "198.19.0.2"), stopped("ipam-1", "n1", "198.19.0.2", "taken by docker container web")]);
});
claiming("refuses a name ovl run holds, a missing reservation, and a port already published", () => {
  given([...withReservation, started("web", "n1", "198.19.0.7")]).when(claim("ipam-1", "web")).thenThrows(C.ContainerExists, /rename the Docker container/);
  given(withReservation).when(claim("ipam-9", "web")).thenThrows(C.ContainerNotFound);
  given([...withReservation, started("other", "n1", "198.19.0.7", { ports: [P8080] })]).when(claim("ipam-1", "web", [P8080])).thenThrows(C.PortInUse, /already published by container other/);
});
claiming("refuses a Docker name that another container answers to as its alias (names resolve in DNS)", () => {
  given([...withReservation, started("db", "n1", "198.19.0.7", { aliases: ["web"] })]).when(claim("ipam-1", "web")).thenThrows(C.NameInUse, /its alias/);
});
claiming.run();

const releasing = suite("ReleaseDockerAddress");
releasing("frees a reservation or a Docker container's address", () => {
  given(withReservation).when(releaseDocker("ipam-1", "198.19.0.2", "unused")).then([stopped("ipam-1", "n1", "198.19.0.2", "unused")]);
  given([...cluster("n1"), dockerStarted("web", "198.19.0.2")]).when(releaseDocker("web", "198.19.0.2")).then([stopped("web", "n1", "198.19.0.2", "docker rm")]);
});
releasing("a stale release, or one about an ovl run container, decides nothing", () => {
  given([...cluster("n1"), dockerStarted("web", "198.19.0.3")]).when(releaseDocker("web", "198.19.0.2")).thenNothingHappened();
  given([...cluster("n1"), started("web", "n1", "198.19.0.2")]).when(releaseDocker("web", "198.19.0.2")).thenNothingHappened();
  given(cluster("n1")).when(releaseDocker("web", "198.19.0.2")).thenNothingHappened();
});
releasing.run();

const names = suite("ovlNameForDocker");
names("Docker's names become ovl names: lower case, other characters '-', at most 32", () => {
  assert.is(ovlNameForDocker("/web"), "web");
  assert.is(ovlNameForDocker("proj_web_1"), "proj-web-1");
  assert.is(ovlNameForDocker("My.App"), "my-app");
  assert.is(ovlNameForDocker("a".repeat(40)), "a".repeat(32));
  assert.is(ovlNameForDocker("___"), null);
});
names.run();

const onNetworks = suite("Docker's door on a network made with ovl network create");
const withBack = [...cluster("n1"), networkCreated("back", "198.19.48.0/20", 1), networkBlock("n1", "back", "198.19.48.0/24")];
const reservedOn = (name: string, ip: string, network: string): OvlEvent => ({
  type: "ContainerStarted",
  data: { name, node: "n1", ip, mac: macFor(ip), image: RESERVATION_IMAGE, cmd: [], ports: [], origin: "docker-ipam", networks: [{ network, ip, mac: macFor(ip) }] },
});
onNetworks("a reservation on a network takes the node's block of it, recorded as an attachment", () => {
  given([...withBack, started("a", "n1", "198.19.0.2")]).when(reserveOn("ipam-1", "back")).then([reservedOn("ipam-1", "198.19.48.2", "back")]);
  given(withBack).when(reserveOn("ipam-1", "back", "198.19.48.9")).then([reservedOn("ipam-1", "198.19.48.9", "back")]);
  // An address of another network's block is not this one's.
  given(withBack).when(reserveOn("ipam-1", "back", "198.19.0.9")).then([reservedOn("ipam-1", "198.19.48.2", "back")]);
  // `ovl` named explicitly is recorded as before networks: no attachment list.
  given(withBack).when(reserveOn("ipam-1", "ovl")).then([reserved("ipam-1", "198.19.0.2")]);
});
onNetworks("an unknown network, or one the node holds no block of, is refused and nothing is appended", () => {
  given(withBack).when(reserveOn("ipam-1", "nope")).thenThrows(C.NetworkNotFound, /ovl network create nope/);
  given([...cluster("n1"), networkCreated("back", "198.19.48.0/20", 1)]).when(reserveOn("ipam-1", "back")).thenThrows(C.NodeNotReady, /no block of network back/);
});
onNetworks("the claim keeps the reservation's network; an internal network publishes no port", () => {
  given([...withBack, reservedOn("ipam-1", "198.19.48.2", "back")])
    .when(claim("ipam-1", "web"))
    .then([
      { type: "ContainerStarted", data: { name: "web", node: "n1", ip: "198.19.48.2", mac: macFor("198.19.48.2"), image: "nginx", cmd: [], ports: [], origin: "docker", networks: [{ network: "back", ip: "198.19.48.2", mac: macFor("198.19.48.2") }] } },
      stopped("ipam-1", "n1", "198.19.48.2", "taken by docker container web"),
    ]);
  const internal = [...cluster("n1"), networkCreated("db", "198.19.48.0/20", 1, { internal: true }), networkBlock("n1", "db", "198.19.48.0/24"), reservedOn("ipam-1", "198.19.48.2", "db")];
  given(internal).when(claim("ipam-1", "web", [P8080])).thenThrows(C.InvalidInput, /internal/);
});
onNetworks("a claimed container connected to another network: its record keeps its first network and adds the reservation's", () => {
  const ovlIp = "198.19.0.2";
  const backIp = "198.19.48.2";
  const both = [{ network: "ovl", ip: ovlIp, mac: macFor(ovlIp) }, { network: "back", ip: backIp, mac: macFor(backIp) }];
  const state = given([...withBack, dockerStarted("web", ovlIp), reservedOn("ipam-1", backIp, "back")])
    .when(cmd("ClaimDockerAddress", { node: "n1", reservation: "ipam-1", name: "web", image: "nginx", ports: [], ips: [backIp, ovlIp] }))
    .then([
      { type: "ContainerStarted", data: { name: "web", node: "n1", ip: ovlIp, mac: macFor(ovlIp), image: "nginx", cmd: [], ports: [], origin: "docker", networks: both } },
      stopped("ipam-1", "n1", backIp, "taken by docker container web"),
    ]);
  assert.equal(state.nodes.n1!.containers["web"]!.networks, both);
  assert.equal(Object.keys(state.nodes.n1!.containers), ["web"]);
  // An address the container no longer has is not kept: started again elsewhere, as before.
  given([...withBack, dockerStarted("web", "198.19.0.5"), reservedOn("ipam-1", backIp, "back")])
    .when(cmd("ClaimDockerAddress", { node: "n1", reservation: "ipam-1", name: "web", image: "nginx", ports: [], ips: [backIp] }))
    .then([
      stopped("web", "n1", "198.19.0.5", "docker started it again on another address"),
      { type: "ContainerStarted", data: { name: "web", node: "n1", ip: backIp, mac: macFor(backIp), image: "nginx", cmd: [], ports: [], origin: "docker", networks: [both[1]!] } },
      stopped("ipam-1", "n1", backIp, "taken by docker container web"),
    ]);
});
onNetworks("disconnected from one network: the record keeps the others, first stays first, and the address is free again", () => {
  const frontIp = "198.19.32.2";
  const backIp = "198.19.48.2";
  const withFront = [...withBack, networkCreated("front", "198.19.32.0/20", 2), networkBlock("n1", "front", "198.19.32.0/24")];
  const front = { network: "front", ip: frontIp, mac: macFor(frontIp) };
  const back = { network: "back", ip: backIp, mac: macFor(backIp) };
  const onBoth: OvlEvent = { type: "ContainerStarted", data: { name: "web", node: "n1", ip: frontIp, mac: macFor(frontIp), image: "nginx", cmd: [], ports: [P8080], origin: "docker", networks: [front, back] } };
  const disconnect = (network: string, ip: string) => cmd("ReleaseDockerAddress", { node: "n1", name: "web", ip, network, reason: "docker network disconnect" });
  const onFront: OvlEvent = { type: "ContainerStarted", data: { name: "web", node: "n1", ip: frontIp, mac: macFor(frontIp), image: "nginx", cmd: [], ports: [P8080], origin: "docker", networks: [front] } };
  const state = given([...withFront, onBoth]).when(disconnect("back", backIp)).then([onFront]);
  assert.equal(state.nodes.n1!.containers["web"]!.networks, [front]);
  // The address goes back to the pool: the next reservation on back takes it.
  given([...withFront, onBoth, onFront]).when(reserveOn("ipam-1", "back")).then([reservedOn("ipam-1", backIp, "back")]);
  // Off its first network, the next one becomes its first (its address is the record's).
  given([...withFront, onBoth]).when(disconnect("front", frontIp)).then([
    { type: "ContainerStarted", data: { name: "web", node: "n1", ip: backIp, mac: macFor(backIp), image: "nginx", cmd: [], ports: [P8080], origin: "docker", networks: [back] } },
  ]);
  // Off its last network, it leaves ovl, as at docker rm.
  given([...withFront, onBoth, onFront]).when(disconnect("front", frontIp)).then([stopped("web", "n1", frontIp, "docker network disconnect")]);
  // Left with `ovl` alone, the record is as before networks; an internal first network publishes no port.
  const ovlIp = "198.19.0.2";
  const ovlAndBack: OvlEvent = { type: "ContainerStarted", data: { name: "web", node: "n1", ip: ovlIp, mac: macFor(ovlIp), image: "nginx", cmd: [], ports: [], origin: "docker", networks: [{ network: "ovl", ip: ovlIp, mac: macFor(ovlIp) }, back] } };
  given([...withBack, ovlAndBack]).when(disconnect("back", backIp)).then([dockerStarted("web", ovlIp)]);
  const withDb = [...withFront, networkCreated("db", "198.19.64.0/20", 3, { internal: true }), networkBlock("n1", "db", "198.19.64.0/24")];
  const dbIp = "198.19.64.2";
  const frontAndDb: OvlEvent = { type: "ContainerStarted", data: { name: "web", node: "n1", ip: frontIp, mac: macFor(frontIp), image: "nginx", cmd: [], ports: [P8080], origin: "docker", networks: [front, { network: "db", ip: dbIp, mac: macFor(dbIp) }] } };
  given([...withDb, frontAndDb]).when(disconnect("front", frontIp)).then([
    { type: "ContainerStarted", data: { name: "web", node: "n1", ip: dbIp, mac: macFor(dbIp), image: "nginx", cmd: [], ports: [], origin: "docker", networks: [{ network: "db", ip: dbIp, mac: macFor(dbIp) }] } },
  ]);
});
onNetworks("a repeated or stale disconnect decides nothing", () => {
  const frontIp = "198.19.32.2";
  const withFront = [...withBack, networkCreated("front", "198.19.32.0/20", 2), networkBlock("n1", "front", "198.19.32.0/24")];
  const onFront: OvlEvent = { type: "ContainerStarted", data: { name: "web", node: "n1", ip: frontIp, mac: macFor(frontIp), image: "nginx", cmd: [], ports: [], origin: "docker", networks: [{ network: "front", ip: frontIp, mac: macFor(frontIp) }] } };
  const disconnect = (network: string, ip: string, name = "web") => cmd("ReleaseDockerAddress", { node: "n1", name, ip, network, reason: "docker network disconnect" });
  // Already off back (a second release), back's address now another one (connected again), an unknown container, an `ovl run` one.
  given([...withFront, onFront]).when(disconnect("back", "198.19.48.2")).thenNothingHappened();
  given([...withFront, onFront]).when(disconnect("front", "198.19.32.9")).thenNothingHappened();
  given([...withFront, onFront]).when(disconnect("front", frontIp, "nobody")).thenNothingHappened();
  given([...withBack, started("web", "n1", "198.19.0.2")]).when(disconnect("ovl", "198.19.0.2")).thenNothingHappened();
});
onNetworks.run();
