/**
 * Networks through a real nats-server and coordinator: create, ls, run on several, ps, rm;
 * bad input refused with its code and nothing appended; the projection rows hold them, and a
 * deleted file rebuilds the same state.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { foldEvents, subjects, type Reply } from "@ovl/domain";
import { loadStateFromDb } from "@ovl/coordinator";
import { ask, join_, ok, run_, suiteBed } from "./support.js";
import { lastSeq, readEvents } from "../support/stream.js";

const b = suiteBed(test);

const create = (body: unknown) => ask(b.nc, subjects.commandSubject("network-create"), body);
const remove = (network: string) => ask(b.nc, subjects.commandSubject("network-rm"), { network });
const ls = async () => ok(await ask(b.nc, subjects.querySubject("networks"), {}));

/** The request is refused with `code`, and the stream holds no more events than before. */
async function refused(reply: Promise<Reply>, code: string): Promise<void> {
  const before = await lastSeq(b.nc);
  const r = await reply;
  assert.is(r.ok, false, "expected a refusal");
  if (!r.ok) assert.is(r.error.code, code, r.error.message);
  assert.is(await lastSeq(b.nc), before, "a refused request appended nothing");
}

test("create, ls, run on two networks, ps, refusals, rm; rows rebuild identically", async () => {
  let h = await b.coordinator({ cluster: { cidr: "198.19.0.0/18", blockPrefix: 24 } });
  ok(await ask(b.nc, subjects.reportSubject("n1", "join"), join_("n1", "198.18.0.11")));
  ok(await ask(b.nc, subjects.reportSubject("n2", "join"), join_("n2", "198.18.0.12")));

  const a = ok(await create({ network: "a" }));
  assert.equal(a.network, { name: "a", cidr: "198.19.48.0/20", vni: 2, internal: false, blockPrefix: 24, nodes: 2, containers: 0, excludes: [] });
  const bb = ok(await create({ network: "b", cidr: "10.99.0.0/16", internal: true }));
  assert.equal([bb.network.cidr, bb.network.internal, bb.network.vni], ["10.99.0.0/16", true, 3]);
  assert.equal((await ls()).map((r: any) => [r.name, r.cidr, r.nodes, r.excludes]), [["ovl", "198.19.0.0/18", 2, ["198.19.48.0/20"]], ["a", "198.19.48.0/20", 2, []], ["b", "10.99.0.0/16", 2, []]]);

  // A node joining later gets a block of each network in its join.
  ok(await ask(b.nc, subjects.reportSubject("n3", "join"), join_("n3", "198.18.0.13")));
  const n3 = (await readEvents(b.nc)).filter((e) => e.type === "SubnetAssigned" && e.data.node === "n3").map((e) => (e.data as any).network ?? "ovl");
  assert.equal(n3, ["ovl", "a", "b"]);

  const web = ok(await ask(b.nc, subjects.commandSubject("run"), run_("web", "n1", { networks: ["a", "ovl"] })));
  assert.is(web.ip, "198.19.48.2");
  assert.equal(web.networks, [{ network: "a", ip: "198.19.48.2" }, { network: "ovl", ip: "198.19.0.2" }]);
  ok(await ask(b.nc, subjects.commandSubject("run"), run_("db", "n2", { networks: ["b"] })));
  ok(await ask(b.nc, subjects.commandSubject("run"), run_("old", "n2")));
  const onA = ok(await ask(b.nc, subjects.querySubject("ps"), { network: "a" }));
  assert.equal(onA.map((r: any) => r.name), ["web"]);
  const all = ok(await ask(b.nc, subjects.querySubject("ps"), {}));
  assert.equal(all.find((r: any) => r.name === "old").networks, [{ network: "ovl", ip: "198.19.1.2" }]);

  await refused(create({ network: "c", cidr: "198.19.50.0/24" }), "NETWORK_OVERLAP");
  await refused(create({ network: "a" }), "NETWORK_EXISTS");
  await refused(create({ network: "Bad.Name" }), "INVALID_INPUT");
  await refused(remove("a"), "NETWORK_IN_USE");
  await refused(remove("nope"), "NETWORK_NOT_FOUND");
  await refused(ask(b.nc, subjects.commandSubject("run"), run_("x", "n1", { networks: ["nope"] })), "NETWORK_NOT_FOUND");
  await refused(ask(b.nc, subjects.commandSubject("run"), run_("y", "n1", { networks: ["b"], ports: [{ host: 8080, container: 80, proto: "tcp" }] })), "INVALID_INPUT");

  ok(await ask(b.nc, subjects.commandSubject("rm"), { name: "web" }));
  const gone = ok(await remove("a"));
  assert.is(gone.network, "a");
  assert.equal((await ls()).map((r: any) => r.name), ["ovl", "b"]);
  await h.stop();

  const path = join(b.dir, "coord.db");
  const fromDb = loadStateFromDb(path);
  assert.equal(fromDb.state, foldEvents(await readEvents(b.nc)));
  assert.equal(Object.keys(fromDb.state.networks ?? {}), ["b"]);
  assert.equal(fromDb.state.nodes.n2?.blocks, { b: { subnet: "10.99.1.0/24", gateway: "10.99.1.1" } });
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  h = await b.coordinator();
  await h.stop();
  assert.equal(loadStateFromDb(path).state, fromDb.state);
});

test.run();
