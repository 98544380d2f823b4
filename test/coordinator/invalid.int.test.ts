/** Every bad input is answered with its error code, appends nothing, and the coordinator keeps serving. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { subjects } from "@ovl/domain";
import { ask, askRaw, join_, ok, run_, suiteBed } from "./support.js";
import { lastSeq } from "../support/stream.js";

const b = suiteBed(test);
test.before(async () => {
  // blocks of /30: one address per node, two nodes in the /29
  await b.coordinator({ cluster: { cidr: "198.19.0.0/29", blockPrefix: 30 } });
  ok(await ask(b.nc, subjects.reportSubject("n1", "join"), join_("n1", "198.18.0.11")));
  ok(await ask(b.nc, subjects.commandSubject("run"), run_("web", "n1", { ports: [{ host: 8080, container: 80, proto: "tcp" }] })));
});

const cases: [string, string, unknown, string, RegExp?][] = [
  ["unknown field", subjects.commandSubject("run"), { ...run_("a1", "n1"), privileged: true }, "INVALID_INPUT", /privileged|additional/i],
  ["bad container name", subjects.commandSubject("run"), run_("Bad_Name", "n1"), "INVALID_INPUT", /name/],
  ["bad node name", subjects.commandSubject("leave"), { node: "-x" }, "INVALID_INPUT", /node/],
  ["bad image", subjects.commandSubject("run"), run_("a2", "n1", { image: "busybox; rm -rf /" }), "INVALID_INPUT", /image/],
  ["port out of range", subjects.commandSubject("run"), run_("a3", "n1", { ports: [{ host: 0, container: 80, proto: "tcp" }] }), "INVALID_INPUT"],
  ["port clash on the node", subjects.commandSubject("run"), run_("a4", "n1", { ports: [{ host: 8080, container: 81, proto: "tcp" }] }), "PORT_IN_USE", /8080\/tcp/],
  ["exhausted block", subjects.commandSubject("run"), run_("a5", "n1"), "ADDRESSES_EXHAUSTED", /no free address/],
  ["duplicate container name", subjects.commandSubject("run"), run_("web", "n1"), "CONTAINER_EXISTS", /web/],
  ["unknown node", subjects.commandSubject("run"), run_("a6", "zz"), "NODE_NOT_FOUND"],
  ["remove a container that does not exist", subjects.commandSubject("rm"), { name: "nope" }, "CONTAINER_NOT_FOUND"],
  ["duplicate node address", subjects.reportSubject("n2", "join"), join_("n2", "198.18.0.11"), "ADDRESS_IN_USE", /198\.18\.0\.11/],
  ["same node name, other address", subjects.reportSubject("n1", "join"), join_("n1", "198.18.0.99"), "NODE_EXISTS"],
  ["report about another node's container", subjects.reportSubject("n2", "container"), { node: "n1", name: "web", ip: "198.19.0.2", state: "running" }, "INVALID_INPUT", /must be about node n2/],
  ["join for another node's subject", subjects.reportSubject("n2", "join"), join_("n1", "198.18.0.11"), "INVALID_INPUT", /must be about node n2/],
  ["bad node token in the subject", "ovl.rpt.N_2.join", join_("n2", "198.18.0.12"), "INVALID_INPUT", /invalid node/],
  ["unknown verb", "ovl.cmd.reboot", {}, "INVALID_INPUT", /unknown command/],
  ["unknown report", "ovl.rpt.n1.bogus", {}, "INVALID_INPUT", /unknown report/],
  ["release a live node", subjects.commandSubject("release"), { node: "n1" }, "NODE_NOT_READY"],
  ["MTU too small", subjects.reportSubject("n3", "join"), { ...join_("n3", "198.18.0.13"), lanMtu: 1400 }, "MTU_TOO_SMALL"],
  ["ps query with fields", subjects.querySubject("ps"), { all: 1 }, "INVALID_INPUT"],
  ["nodes query with a bad field", subjects.querySubject("nodes"), { all: "yes" }, "INVALID_INPUT"],
];

for (const [name, subject, body, code, message] of cases) {
  test(`${name}: ${code}, nothing appended`, async () => {
    const before = await lastSeq(b.nc);
    const reply = await ask(b.nc, subject, body);
    assert.is(reply.ok, false, JSON.stringify(reply));
    if (!reply.ok) {
      assert.is(reply.error.code, code);
      if (message) assert.match(reply.error.message, message);
    }
    assert.is(await lastSeq(b.nc), before);
  });
}

test("exhausted blocks: a third node finds no block", async () => {
  ok(await ask(b.nc, subjects.reportSubject("n2", "join"), join_("n2", "198.18.0.12")));
  const before = await lastSeq(b.nc);
  const reply = await ask(b.nc, subjects.reportSubject("n3", "join"), join_("n3", "198.18.0.13"));
  assert.is(!reply.ok && reply.error.code, "BLOCKS_EXHAUSTED");
  assert.is(await lastSeq(b.nc), before);
});

test("malformed requests: not JSON, no id, a bad id, oversized", async () => {
  const before = await lastSeq(b.nc);
  for (const payload of ["{not json", '{"body":{}}', '{"id":"short","body":{}}', JSON.stringify({ id: "abcdefgh1", body: {}, extra: 1 })]) {
    const reply = await askRaw(b.nc, subjects.commandSubject("run"), payload);
    assert.is(!reply.ok && reply.error.code, "INVALID_INPUT", payload);
  }
  const big = JSON.stringify({ id: "abcdefgh12", body: { name: "x".repeat(70_000) } });
  const reply = await askRaw(b.nc, subjects.commandSubject("run"), big);
  assert.is(!reply.ok && reply.error.code, "INVALID_INPUT");
  assert.match(!reply.ok ? reply.error.message : "", /exceeds/);
  const q = await askRaw(b.nc, subjects.querySubject("ps"), "[]");
  assert.is(!q.ok && q.error.code, "INVALID_INPUT");
  assert.is(await lastSeq(b.nc), before);
});

test("still serving after all of it", async () => {
  const ps = ok(await ask(b.nc, subjects.querySubject("ps"), {}));
  assert.equal(ps.map((r: any) => r.name), ["web"]);
});

test.run();
