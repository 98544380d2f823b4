/** The Docker door's sweep (pure): what it gives back, and what it must never give back while a container uses it. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { OvlError, OvlErrorCodes, macFor, type ContainerRecord } from "@ovl/domain";
import { idNameOf, nameAfterRefusedClaim, releasesAfterSweep } from "@ovl/node-agent";

const T0 = Date.parse("2026-12-05T12:00:00Z");
const record = (name: string, ip: string, origin: "docker" | "docker-ipam", since = T0): ContainerRecord => ({
  name, node: "n1", ip, mac: macFor(ip), image: "nginx", cmd: [], ports: [], origin, state: "running", since: new Date(since).toISOString(),
});
const released = (records: ContainerRecord[], seen: { name: string; ip: string | null; id?: string }[], endpoints: string[], now = T0 + 120_000) =>
  releasesAfterSweep(records, seen, endpoints, now).map((r) => `${r.record.name}: ${r.reason}`);

test("a Docker-door container Docker no longer has is released; one it still has is kept", () => {
  assert.equal(released([record("web", "198.19.0.2", "docker"), record("db", "198.19.0.3", "docker")], [{ name: "db", ip: "198.19.0.3" }], []), ["web: removed from Docker while its agent was away"]);
});

test("a reservation older than a minute that nothing uses is released; a young one is kept", () => {
  const old = record("ipam-1", "198.19.0.4", "docker-ipam");
  const young = record("ipam-2", "198.19.0.5", "docker-ipam", T0 + 100_000);
  assert.equal(released([old, young], [], []), ["ipam-1: no docker container took the address"]);
});

test("a reservation whose address a Docker container holds is kept, also by an agent that restarted (no endpoints known)", () => {
  const held = record("ipam-1", "198.19.0.4", "docker-ipam");
  assert.equal(released([held], [{ name: "shop-web-1", ip: "198.19.0.4" }], []), []);
  assert.equal(released([held], [], ["198.19.0.4"]), []);
});
const ID = "0123456789abcdef0123456789abcdef";

test("a claim refused because the Docker name is another container's is made again under the id's name; other refusals are not", () => {
  assert.is(idNameOf(ID), "docker-0123456789ab");
  assert.is(nameAfterRefusedClaim(new OvlError(OvlErrorCodes.ContainerExists, "container web already exists"), "web", ID), "docker-0123456789ab");
  assert.is(nameAfterRefusedClaim(new OvlError(OvlErrorCodes.NameInUse, "web is an alias"), "web", ID), "docker-0123456789ab");
  assert.is(nameAfterRefusedClaim(new OvlError(OvlErrorCodes.ContainerExists, "taken"), "docker-0123456789ab", ID), null, "the id's name refused: no third try");
  assert.is(nameAfterRefusedClaim(new OvlError(OvlErrorCodes.PortInUse, "8080"), "web", ID), null);
  assert.is(nameAfterRefusedClaim(new Error("timeout"), "web", ID), null);
});

test("a container claimed under its id's name is kept while Docker has it, and released once Docker no longer does", () => {
  const byId = record(idNameOf(ID), "198.19.0.6", "docker");
  assert.equal(released([byId], [{ name: "web", ip: "198.19.0.6", id: ID }], []), []);
  assert.equal(released([byId], [{ name: "web", ip: "198.19.0.6" }], []), [`${idNameOf(ID)}: removed from Docker while its agent was away`]);
});
test.run();
