/** The Docker door's sweep (pure): what it gives back, and what it must never give back while a container uses it. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { macFor, type ContainerRecord } from "@ovl/domain";
import { releasesAfterSweep } from "@ovl/node-agent";

const T0 = Date.parse("2026-12-05T12:00:00Z");
const record = (name: string, ip: string, origin: "docker" | "docker-ipam", since = T0): ContainerRecord => ({
  name, node: "n1", ip, mac: macFor(ip), image: "nginx", cmd: [], ports: [], origin, state: "running", since: new Date(since).toISOString(),
});
const released = (records: ContainerRecord[], seen: { name: string; ip: string | null }[], endpoints: string[], now = T0 + 120_000) =>
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
test.run();
