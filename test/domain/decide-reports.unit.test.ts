/** decide: agents' container reports become ContainerRunning / Failed / Exited, once. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { given } from "../support/given.js";
import { cluster, exited, failed, leaving, lost, report, running, started, stopped } from "./builders.js";

const IP = "198.19.0.2";
const pending = [...cluster("n1"), started("web", "n1", IP)];

const fresh = suite("when a container is pending");
fresh("a running report records ContainerRunning", () => {
  const state = given(pending).when(report("n1", "web", IP, "running")).then([running("web", "n1", IP)]);
  assert.is(state.nodes.n1?.containers.web?.state, "running");
});
fresh("a failed report records ContainerFailed with the agent's reason", () => {
  const state = given(pending).when(report("n1", "web", IP, "failed", { reason: "image not found" })).then([failed("web", "n1", IP, "image not found")]);
  assert.is(state.nodes.n1?.containers.web?.reason, "image not found");
  given(pending).when(report("n1", "web", IP, "failed")).then([failed("web", "n1", IP, "failed")]);
});
fresh("an exited report records the exit code (-1 when unknown)", () => {
  given(pending).when(report("n1", "web", IP, "exited", { exitCode: 3 })).then([exited("web", "n1", IP, 3)]);
  given(pending).when(report("n1", "web", IP, "exited")).then([exited("web", "n1", IP, -1)]);
});
fresh.run();

const stale = suite("stale and repeated reports decide nothing");
stale("the same state again", () => {
  given([...pending, running("web", "n1", IP)]).when(report("n1", "web", IP, "running")).thenNothingHappened();
  given([...pending, failed("web", "n1", IP)]).when(report("n1", "web", IP, "failed", { reason: "other" })).thenNothingHappened();
  given([...pending, exited("web", "n1", IP, 3)]).when(report("n1", "web", IP, "exited", { exitCode: 3 })).thenNothingHappened();
});
stale("but a new exit code, or running again after a failure, is news", () => {
  given([...pending, exited("web", "n1", IP, 3)]).when(report("n1", "web", IP, "exited", { exitCode: 4 })).then([exited("web", "n1", IP, 4)]);
  given([...pending, failed("web", "n1", IP)]).when(report("n1", "web", IP, "running")).then([running("web", "n1", IP)]);
});
stale("about a removed container, or an older one of the same name (another address)", () => {
  given([...pending, stopped("web", "n1", IP)]).when(report("n1", "web", IP, "running")).thenNothingHappened();
  given([...pending, stopped("web", "n1", IP), started("web", "n1", "198.19.0.3")]).when(report("n1", "web", IP, "running")).thenNothingHappened();
});
stale("from another node, or about a node that is not ready", () => {
  given(pending).when(report("n2", "web", IP, "running")).thenNothingHappened();
  given([...pending, lost("n1")]).when(report("n1", "web", IP, "running")).thenNothingHappened();
  given([...pending, leaving("n1")]).when(report("n1", "web", IP, "running")).thenNothingHappened();
});
stale.run();
