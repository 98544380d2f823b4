/** decide: agents' container reports become ContainerRunning / Failed / Exited, once. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { macFor, reportedContainer } from "@ovl/domain";
import { NOW } from "./builders.js";
import { fold, given } from "../support/given.js";
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

const known = suite("reportedContainer: the container a report is about");
known("on the reported node, under its name, at its address", () => {
  const state = fold(pending, NOW);
  assert.is(reportedContainer(state, { node: "n1", name: "web", ip: IP }), state.nodes.n1?.containers.web);
});
known("a Docker reservation is a container a report can be about", () => {
  const reservation = { type: "ContainerStarted" as const, data: { name: "ipam-1", node: "n1", ip: IP, mac: macFor(IP), image: "(docker endpoint)", cmd: [], ports: [], origin: "docker-ipam" as const } };
  assert.ok(reportedContainer(fold([...cluster("n1"), reservation], NOW), { node: "n1", name: "ipam-1", ip: IP }));
});
known("none before its start is folded, after it is removed, at another address or on another node", () => {
  assert.is(reportedContainer(fold(cluster("n1"), NOW), { node: "n1", name: "web", ip: IP }), undefined);
  assert.is(reportedContainer(fold([...pending, stopped("web", "n1", IP)], NOW), { node: "n1", name: "web", ip: IP }), undefined);
  assert.is(reportedContainer(fold(pending, NOW), { node: "n1", name: "web", ip: "198.19.0.3" }), undefined);
  assert.is(reportedContainer(fold(pending, NOW), { node: "n2", name: "web", ip: IP }), undefined);
});
known.run();
