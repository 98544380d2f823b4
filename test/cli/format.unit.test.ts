import { test } from "uvu";
import * as assert from "uvu/assert";
import { CommanderError } from "commander";
import { OvlError, age, coordinatorsLine, humanBytes, liveCoordinators, percent, type CoordinatorBeat } from "@ovl/domain";
import {
  errorLine,
  eventJson,
  eventLine,
  eventSummary,
  exitCodeFor,
  FailedError,
  nodesTable,
  psTable,
  shortReason,
  summaryValue,
  table,
  UsageError,
} from "@ovl/cli";
import type { NodeRow, PsRow, StoredEvent } from "@ovl/domain";

test("table aligns columns and does not pad the last one", () => {
  assert.is(table(["A", "BB"], [["xxx", "1"], ["y", "22"]]), "A    BB\nxxx  1\ny    22\n");
});

test("human units", () => {
  assert.is(humanBytes(0), "0 B");
  assert.is(humanBytes(1536), "1.5 KiB");
  assert.is(humanBytes(3 * 1024 ** 3), "3.0 GiB");
  assert.is(humanBytes(20 * 1024 ** 2), "20 MiB");
  assert.is(humanBytes(null), "-");
  assert.is(percent(0.123), "12%");
  assert.is(percent(null), "-");
  const now = Date.parse("2025-01-01T01:00:00Z");
  assert.is(age("2025-01-01T00:59:56Z", now), "4s");
  assert.is(age("2025-01-01T00:56:48Z", now), "3m12s");
  assert.is(age("2024-12-30T00:00:00Z", now), "2d1h");
  assert.is(age(null, now), "-");
  assert.is(summaryValue("a b"), '"a b"');
  assert.is(summaryValue("ab"), "ab");
});

test("exit codes: usage 2, refused or failed 1, help 0", () => {
  assert.is(exitCodeFor(new CommanderError(1, "commander.unknownOption", "x")), 2);
  assert.is(exitCodeFor(new CommanderError(0, "commander.helpDisplayed", "x")), 0);
  assert.is(exitCodeFor(new UsageError("x")), 2);
  assert.is(exitCodeFor(new OvlError("INVALID_INPUT", "x")), 2);
  assert.is(exitCodeFor(new OvlError("CONTAINER_NOT_FOUND", "x")), 1);
  assert.is(exitCodeFor(new FailedError("x")), 1);
  assert.is(exitCodeFor(new Error("x")), 1);
  assert.is(errorLine(new Error("first\n  second\n")), "error: first; second");
});

const started: StoredEvent = {
  seq: 7,
  subject: "ovl.evt.ctr.n1.web",
  type: "ContainerStarted",
  v: 1,
  time: "2025-01-01T00:00:00.000Z",
  req: "abcdefgh12",
  data: { name: "web", node: "n1", ip: "10.240.0.2", mac: "02:42:0a:f0:00:02", image: "busybox", cmd: [], ports: [{ host: 8080, container: 80, proto: "tcp" }] },
};

test("event lines: NDJSON keeps the envelope, the human line summarises the data", () => {
  assert.equal(JSON.parse(eventJson(started)), {
    seq: 7, subject: "ovl.evt.ctr.n1.web", type: "ContainerStarted", v: 1, time: "2025-01-01T00:00:00.000Z", data: started.data, req: "abcdefgh12",
  });
  assert.is(eventSummary(started), "name=web node=n1 ip=10.240.0.2 mac=02:42:0a:f0:00:02 image=busybox ports=8080:80/tcp");
  assert.is(eventLine(started), "     7  2025-01-01T00:00:00.000Z  ContainerStarted  ovl.evt.ctr.n1.web  name=web node=n1 ip=10.240.0.2 mac=02:42:0a:f0:00:02 image=busybox ports=8080:80/tcp");
});

test("ps and nodes tables", () => {
  const ps: PsRow = { name: "web", node: "n1", ip: "10.240.0.2", mac: "m", image: "busybox", cmd: [], state: "failed", reason: "no image", ports: [], since: "t", networks: [{ network: "ovl", ip: "10.240.0.2" }] };
  assert.is(psTable([ps]), "NAME  NODE  IP          NETWORKS  IMAGE    STATE              PORTS\nweb   n1    10.240.0.2  ovl       busybox  failed (no image)\n");
  const both: PsRow = { ...ps, networks: [{ network: "back", ip: "10.240.0.2" }, { network: "ovl", ip: "10.240.1.2" }] };
  assert.match(psTable([both]), /10\.240\.0\.2,10\.240\.1\.2  back,ovl  busybox/);
  const node: NodeRow = {
    name: "n1", ip: "198.18.0.11", subnet: "10.240.0.0/24", gateway: "10.240.0.1", status: "ready", lastSeen: "2025-01-01T00:00:00Z",
    cpu: 0.25, memFree: 2 * 1024 ** 3, memTotal: 4 * 1024 ** 3, containers: 1, freeAddresses: 252, agentVersion: "0.1.0", since: "t",
    appliedSeq: 7, lag: 0, applyP50Ms: 3, applyP99Ms: 9, path: "direct",
  };
  assert.is(
    nodesTable([node], Date.parse("2025-01-01T00:00:03Z")),
    "NAME  IP           SUBNET         STATUS  PATH    CPU  MEM FREE  SEEN    CONTAINERS  VERSION\nn1    198.18.0.11  10.240.0.0/24  ready   direct  25%  2.0 GiB   3s ago  1           0.1.0\n",
  );
});

test("the coordinators line: how many were heard from lately, and which code they run", () => {
  const now = Date.parse("2025-01-01T00:01:00Z");
  const beat = (id: string, agoMs: number, version: string): CoordinatorBeat => ({ id, host: "h", time: new Date(now - agoMs).toISOString(), version });
  const beats = [beat("b", 1000, "0.1.0+new"), beat("a", 4000, "0.1.0+old"), beat("gone", 60_000, "0.1.0+old")];
  assert.equal(liveCoordinators(beats, now).map((b) => b.id), ["a", "b"], "the one silent for a minute is not counted");
  assert.is(coordinatorsLine(liveCoordinators(beats, now)), "coordinators: 2 (0.1.0+old: 1, 0.1.0+new: 1)");
  assert.is(coordinatorsLine(liveCoordinators(beats.slice(0, 1), now)), "coordinators: 1 (0.1.0+new)");
  assert.is(coordinatorsLine([]), "coordinators: none heard from in the last 15 s");
});

test("a long failure reason is cut to one short line in the ps table", () => {
  const reason = "image nosuch/image:1 is not on this node and could not be pulled: (HTTP code 500) server error - Get \"https://registry-1.docker.io/v2/\": i/o timeout ";
  const ps: PsRow = { name: "b", node: "n1", ip: "10.240.0.3", mac: "m", image: "nosuch/image:1", cmd: [], state: "failed", reason, ports: [], since: "t", networks: [{ network: "ovl", ip: "10.240.0.3" }] };
  assert.is(shortReason(reason), "image nosuch/image:1 is not on this node and co…");
  assert.is(psTable([ps]), "NAME  NODE  IP          NETWORKS  IMAGE           STATE                                                      PORTS\nb     n1    10.240.0.3  ovl       nosuch/image:1  failed (image nosuch/image:1 is not on this node and co…)\n");
  assert.is(shortReason("  two\nlines "), "two lines");
});

test.run();
