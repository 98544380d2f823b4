/** The requests row each event writes: a Docker-door release answers at once, a claim answers with its container. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TAKEN_BY_DOCKER, emptyState, type Envelope } from "@ovl/domain";
import { requestRow } from "@ovl/coordinator";

const stop = (reason: string): Envelope =>
  ({ v: 1, type: "ContainerStopped", time: "2026-12-05T12:00:00.000Z", req: "r1", data: { name: "web", node: "n1", ip: "198.19.0.2", reason } }) as unknown as Envelope;

test("a Docker-door release is a whole decision: its row is its reply (it is not decided a second time)", () => {
  for (const reason of ["docker rm", "docker released the address unused", "removed"]) {
    assert.equal(requestRow(stop(reason), 7, emptyState), { id: "r1", seq: 7, reply: { name: "web", node: "n1", ip: "198.19.0.2", seq: 7 }, open: null }, reason);
  }
});

test("a claim's end of its reservation writes no row (the ContainerStarted before it holds the reply); a leave's stops stay open", () => {
  assert.is(requestRow(stop(`${TAKEN_BY_DOCKER} web`), 7, emptyState), null);
  assert.equal(requestRow(stop("node leaving"), 7, emptyState)?.open, { type: "LeaveNode", data: { node: "n1" } });
});

test.run();
