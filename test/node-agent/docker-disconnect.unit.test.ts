/** `docker network disconnect` of a Docker-door container (pure): which address the disconnect event releases, and when none. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { macFor, type Attachment, type ContainerRecord } from "@ovl/domain";
import { idNameOf, releaseOnDisconnect } from "@ovl/node-agent";

const on = (network: string, ip: string): Attachment => ({ network, ip, mac: macFor(ip) });
const record = (name: string, networks: Attachment[], origin: "docker" | "docker-ipam" | null = "docker"): ContainerRecord => ({
  name, node: "n1", ip: networks[0]!.ip, mac: networks[0]!.mac, image: "nginx", cmd: [], ports: [], ...(origin ? { origin } : {}), networks, state: "running", since: "2026-12-05T12:00:00.000Z",
});
const ID = "0123456789abcdef0123456789abcdef";
const web = record("web", [on("front", "198.19.32.2"), on("back", "198.19.48.2")]);
const BACK = { id: "d0ckerback", name: "back" };

test("disconnected from back: its address on back is released, found by the container's name or its id's", () => {
  assert.equal(releaseOnDisconnect([web], ["web"], ["front", "d0ckerfront"], BACK, "back"), { name: "web", ip: "198.19.48.2", network: "back" });
  const byId = record(idNameOf(ID), web.networks!.slice());
  assert.equal(releaseOnDisconnect([byId], ["web", idNameOf(ID)], ["front"], BACK, "back"), { name: idNameOf(ID), ip: "198.19.48.2", network: "back" });
  // Off its last network: its address there (the decision then removes the record).
  assert.equal(releaseOnDisconnect([record("solo", [on("back", "198.19.48.3")])], ["solo"], [], BACK, "back"), { name: "solo", ip: "198.19.48.3", network: "back" });
});

test("a stop (the container keeps the Docker network), or a connect since, releases nothing", () => {
  assert.is(releaseOnDisconnect([web], ["web"], ["front", "back"], BACK, "back"), null);
  assert.is(releaseOnDisconnect([web], ["web"], ["front", "d0ckerback"], { id: "d0ckerback" }, "back"), null);
});

test("a network not ovl's, a container not on it, not Docker's, or unknown releases nothing", () => {
  assert.is(releaseOnDisconnect([web], ["web"], [], BACK, null), null);
  assert.is(releaseOnDisconnect([web], ["web"], [], BACK, "ovl"), null);
  assert.is(releaseOnDisconnect([record("web", web.networks!.slice(), "docker-ipam")], ["web"], [], BACK, "back"), null);
  assert.is(releaseOnDisconnect([record("web", web.networks!.slice(), null)], ["web"], [], BACK, "back"), null);
  assert.is(releaseOnDisconnect([web], ["other"], [], BACK, "back"), null);
});

test.run();
