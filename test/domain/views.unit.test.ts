/** The rows of `ovl ps --json` and `ovl nodes --json`: a contract scripts rely on (docs/events.md, README.md). */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { nodeRows, psRows, type Heartbeat } from "@ovl/domain";
import { fold } from "../support/given.js";
import { NOW, block, cluster, failed, gw, lan, leaving, left, lost, running, started } from "./builders.js";

const tcp = { host: 8080, container: 80, proto: "tcp" as const };
const history = [
  ...cluster("n1", "n2", "n3"),
  started("web", "n2", "198.19.1.2", { ports: [tcp] }),
  running("web", "n2", "198.19.1.2"),
  started("api", "n1", "198.19.0.2"),
  failed("api", "n1", "198.19.0.2", "no such image"),
  started("db", "n3", "198.19.2.2"),
];
const hb = (node: string, cpu: number): Heartbeat => ({ node, time: "2026-01-01T00:00:05.000Z", cpu, memFree: 1024, memTotal: 4096, agentVersion: "0.1.0" });

const ps = suite("psRows");
ps("one row per container, by node then name, with state, ports and the failure reason", () => {
  const rows = psRows(fold(history, NOW));
  assert.equal(rows.map((r) => [r.name, r.node, r.ip, r.state]), [
    ["api", "n1", "198.19.0.2", "failed"],
    ["web", "n2", "198.19.1.2", "running"],
    ["db", "n3", "198.19.2.2", "pending"],
  ]);
  assert.is(rows[0]?.reason, "no such image");
  assert.equal(rows[1]?.ports, [tcp]);
  assert.not.ok("reason" in rows[1]!, "no reason key when there is none");
  assert.equal(Object.keys(rows[1]!).sort(), ["cmd", "image", "ip", "mac", "name", "networks", "node", "ports", "since", "state"]);
  assert.equal(rows[1]!.networks, [{ network: "ovl", ip: "198.19.1.2" }], "a history without networks: every container is on ovl at its ip");
});
ps("containers of a lost node show as lost", () => {
  const rows = psRows(fold([...history, lost("n2")], NOW));
  assert.is(rows.find((r) => r.name === "web")?.state, "lost");
  assert.is(rows.find((r) => r.name === "db")?.state, "pending");
});
ps.run();

const nodes = suite("nodeRows");
nodes("members by name, with block, containers, free addresses and the latest heartbeat", () => {
  const rows = nodeRows(fold(history, NOW), new Map([["n1", hb("n1", 0.25)]]));
  assert.equal(rows.map((r) => r.name), ["n1", "n2", "n3"]);
  assert.equal(rows[0], {
    name: "n1", ip: lan("n1"), subnet: block(0), gateway: gw(0), status: "ready", lastSeen: "2026-01-01T00:00:05.000Z",
    cpu: 0.25, memFree: 1024, memTotal: 4096, containers: 1, freeAddresses: 252, agentVersion: "0.1.0", since: NOW,
    appliedSeq: null, lag: null, applyP50Ms: null, applyP99Ms: null, path: "vxlan",
  });
  assert.equal([rows[1]?.cpu, rows[1]?.lastSeen, rows[1]?.memFree], [null, null, null], "no heartbeat yet");
});
nodes("the version is the one the agent's heartbeat says it runs now, else the one it joined with", () => {
  const upgraded = { ...hb("n1", 0.1), agentVersion: "0.2.0+3f2a1b9c0d1e" };
  const rows = nodeRows(fold(history, NOW), new Map([["n1", upgraded]]));
  assert.equal(rows.map((r) => [r.name, r.agentVersion]), [["n1", "0.2.0+3f2a1b9c0d1e"], ["n2", "0.1.0"], ["n3", "0.1.0"]]);
});
nodes("a lost node shows its last heartbeat from the event; leaving shows as leaving", () => {
  const rows = nodeRows(fold([...history, lost("n2", "2025-12-31T23:00:00.000Z"), leaving("n3")], NOW), new Map());
  assert.equal(rows.map((r) => [r.name, r.status, r.lastSeen]), [
    ["n1", "ready", null],
    ["n2", "lost", "2025-12-31T23:00:00.000Z"],
    ["n3", "leaving", null],
  ]);
});
nodes("nodes that left are hidden unless all are asked for, and never show a heartbeat", () => {
  const state = fold([...history, leaving("n3"), left("n3")], NOW);
  const beats = new Map([["n3", hb("n3", 0.5)]]);
  assert.equal(nodeRows(state, beats).map((r) => r.name), ["n1", "n2"]);
  const all = nodeRows(state, beats, { all: true });
  assert.equal(all.map((r) => [r.name, r.status]), [["n1", "ready"], ["n2", "ready"], ["n3", "left"]]);
  assert.equal([all[2]?.subnet, all[2]?.cpu, all[2]?.freeAddresses, all[2]?.containers], [null, null, 0, 0]);
});
nodes("the lag of each node: events behind the history's last sequence, from what its heartbeat says it applied", () => {
  const state = fold(history, NOW);
  const beats = new Map([
    ["n1", { ...hb("n1", 0.1), appliedSeq: 12, applyMs: { last: 4, p50: 3, p99: 40, count: 20 } }],
    ["n2", { ...hb("n2", 0.1), appliedSeq: 9 }],
  ]);
  const rows = nodeRows(state, beats, { seq: 12 });
  assert.equal(rows.map((r) => [r.name, r.appliedSeq, r.lag, r.applyP50Ms, r.applyP99Ms]), [
    ["n1", 12, 0, 3, 40],
    ["n2", 9, 3, null, null],
    ["n3", null, null, null, null],
  ]);
  assert.equal(nodeRows(state, beats).map((r) => r.lag), [null, null, null], "no lag without the history's sequence");
});
nodes.run();
