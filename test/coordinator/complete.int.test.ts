/** Decisions cut between their events (a crash between two appends) are completed, with the same request id. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeEnvelope, envelope, subjectFor, subjects, type OvlEvent } from "@ovl/domain";
import { msgIdFor } from "@ovl/coordinator";
import { ask, join_, ok, run_, suiteBed } from "./support.js";
import { waitFor } from "../support/wait.js";
import { readEvents } from "../support/stream.js";

const b = suiteBed(test);

/** What a coordinator that crashed after its first append left behind. */
async function appendAlone(event: OvlEvent, req: string): Promise<void> {
  await b.nc.jetstream().publish(subjectFor(event), encodeEnvelope(envelope(event, new Date().toISOString(), req)), { msgID: msgIdFor(req, event) });
}

test("a join cut after NodeJoined is completed at start; the agent's retry gets the same answer", async () => {
  let h = await b.coordinator({ cluster: { cidr: "198.19.0.0/18" } });
  ok(await ask(b.nc, subjects.reportSubject("n1", "join"), join_("n1", "198.18.0.11")));
  ok(await ask(b.nc, subjects.commandSubject("run"), run_("a", "n1")));
  ok(await ask(b.nc, subjects.commandSubject("run"), run_("b", "n1")));
  await h.stop();
  await appendAlone({ type: "NodeJoined", data: { node: "n2", underlayIp: "198.18.0.12", agentVersion: "t" } }, "join-n2-cut-0001");
  await appendAlone({ type: "ContainerStopped", data: { name: "a", node: "n1", ip: "198.19.0.2", reason: "node leaving" } }, "leave-n1-cut-001");
  h = await b.coordinator();
  await waitFor("completion", () => h.state().nodes.n1?.status === "leaving" && h.state().nodes.n2?.subnet !== null);
  const events = await readEvents(b.nc);
  const cut = events.findIndex((e) => e.req === "join-n2-cut-0001");
  const after = events.slice(cut).map((e) => [e.type, e.req, e.msgId]);
  assert.equal(after.slice(0, 2), [
    ["NodeJoined", "join-n2-cut-0001", "join-n2-cut-0001:NodeJoined:n2"],
    ["ContainerStopped", "leave-n1-cut-001", "leave-n1-cut-001:ContainerStopped:a"],
  ]);
  // completed in the order the open rows were found, each under its own request id
  assert.equal(after.slice(2), [
    ["SubnetAssigned", "join-n2-cut-0001", "join-n2-cut-0001:SubnetAssigned:n2"],
    ["ContainerStopped", "leave-n1-cut-001", "leave-n1-cut-001:ContainerStopped:b"],
    ["NodeLeaving", "leave-n1-cut-001", "leave-n1-cut-001:NodeLeaving:n1"],
  ]);
  assert.is(events.filter((e) => e.type === "ContainerStopped").length, 2); // a (cut) and b (completed)
  assert.is(h.state().nodes.n2!.subnet, "198.19.1.0/24");
  const retry = ok(await ask(b.nc, subjects.reportSubject("n2", "join"), join_("n2", "198.18.0.12"), "join-n2-cut-0001"));
  assert.is(retry.subnet, "198.19.1.0/24");
  assert.is((await readEvents(b.nc)).length, events.length);
  await h.stop();
});

test("while running: another writer's half-done join is completed after the grace period", async () => {
  const h = await b.coordinator({ completeAfterMs: 300 });
  await appendAlone({ type: "NodeJoined", data: { node: "n3", underlayIp: "198.18.0.13", agentVersion: "t" } }, "join-n3-cut-0001");
  await waitFor("n3 subnet", () => !!h.state().nodes.n3?.subnet, 5000);
  const last = (await readEvents(b.nc)).at(-1)!;
  assert.equal([last.type, last.req], ["SubnetAssigned", "join-n3-cut-0001"]);
  await h.stop();
});

test.run();
