/**
 * A cluster made before networks, upgraded in place: its history (test/fixtures/
 * history-before-networks.ndjson, saved with `backupStream` by the code of the commit before
 * networks: two nodes, web with an alias, db with a port, gone removed) restored into a
 * real nats-server and served by this coordinator. Its containers keep their addresses and
 * are on `ovl`; new networks and containers go around them.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fileURLToPath } from "node:url";
import { foldEvents, networksOf, subjects } from "@ovl/domain";
import { restoreStream } from "@ovl/broker-setup";
import { ask, join_, ok, run_, suiteBed } from "./support.js";
import { readEvents } from "../support/stream.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/history-before-networks.ndjson", import.meta.url));

const b = suiteBed(test);

test("the old history replays: same addresses, every container on ovl, and networks can be added", async () => {
  const restored = await restoreStream(b.nc, FIXTURE);
  assert.is(restored.lastSeq, 10);
  const events = await readEvents(b.nc);
  assert.ok(events.every((e) => e.type !== "NetworkCreated" && !("networks" in e.data)), "a history from before networks");
  assert.equal(networksOf(foldEvents(events)).map((n) => [n.name, n.cidr, n.vni]), [["ovl", "198.19.0.0/18", 1]]);

  const h = await b.coordinator();
  const ps = ok(await ask(b.nc, subjects.querySubject("ps"), {}));
  assert.equal(ps.map((r: any) => [r.name, r.node, r.ip, r.state, r.networks]), [
    ["web", "n1", "198.19.0.2", "running", [{ network: "ovl", ip: "198.19.0.2" }]],
    ["db", "n2", "198.19.1.2", "pending", [{ network: "ovl", ip: "198.19.1.2" }]],
  ]);
  assert.equal(ok(await ask(b.nc, subjects.querySubject("ps"), { network: "ovl" })).length, 2);

  // The agents rejoin as they do at every start: nothing to add, their blocks are as recorded.
  const rejoin = ok(await ask(b.nc, subjects.reportSubject("n1", "join"), join_("n1", "198.18.0.11")));
  assert.equal([rejoin.subnet, rejoin.seq], ["198.19.0.0/24", 10]);

  const a = ok(await ask(b.nc, subjects.commandSubject("network-create"), { network: "a" }));
  assert.equal([a.network.cidr, a.network.vni, a.network.nodes], ["198.19.48.0/20", 2, 2]);
  const x = ok(await ask(b.nc, subjects.commandSubject("run"), run_("x", "n1", { networks: ["a", "ovl"] })));
  assert.equal(x.networks, [{ network: "a", ip: "198.19.48.2" }, { network: "ovl", ip: "198.19.0.3" }]);
  const www = await ask(b.nc, subjects.commandSubject("run"), run_("www"));
  assert.is(www.ok ? "ok" : www.error.code, "NAME_IN_USE", "the alias www of web is still held");
  await h.stop();
});

test.run();
