/** `ovl inspect` for people: Docker's side in a few lines, then the container's own events; and which events are its own. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { envelope, subjectFor, type OvlEvent, type StoredEvent } from "@ovl/domain";
import { lastLife } from "@ovl/client";
import { dockerLines, inspectText } from "@ovl/cli";

const at = (seq: number, e: OvlEvent): StoredEvent => ({ ...envelope(e, `2026-12-05T13:00:0${seq % 10}.000Z`), seq, subject: subjectFor(e) }) as StoredEvent;
const ids = { name: "db", node: "n1", ip: "198.19.0.2" };
const started = (seq: number) => at(seq, { type: "ContainerStarted", data: { ...ids, mac: "02:00:c6:13:00:02", image: "busybox", cmd: [], ports: [] } });

/** Docker's inspect, cut to the fields read (the rest of the document is ignored). */
const DOCKER = {
  Id: "3f2a1b9c0d1e4f5a6b7c8d9e0f",
  Name: "/ovl-db",
  Created: "2026-12-05T13:00:00.1Z",
  Config: { Image: "busybox", Cmd: ["sh", "-c", "echo hi; sleep 1d"], Entrypoint: null },
  State: { Status: "running", StartedAt: "2026-12-05T13:00:01Z", Pid: 4242, ExitCode: 0, OOMKilled: false, Error: "" },
  RestartCount: 1,
  HostConfig: { RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 }, Memory: 64 * 1024 * 1024, NanoCpus: 500_000_000 },
  Mounts: [{ Name: "dbdata", Source: "/var/lib/docker/volumes/dbdata/_data", Destination: "/data", RW: true }, { Source: "/etc/app", Destination: "/app", RW: false }],
  NetworkSettings: { Networks: {} },
};

test("Docker's side: how it was made and how it runs, fields Docker left empty left out", () => {
  assert.equal(dockerLines(DOCKER), [
    ["id", "3f2a1b9c0d1e"],
    ["docker name", "ovl-db"],
    ["image", "busybox"],
    ["command", 'sh -c "echo hi; sleep 1d"'],
    ["state", "running since 2026-12-05T13:00:01Z, restarted 1 times by Docker"],
    ["pid", "4242"],
    ["restart", "on-failure:3"],
    ["memory", "64 MiB"],
    ["cpus", "0.5"],
    ["mounts", "dbdata -> /data, /etc/app -> /app (ro)"],
    ["created", "2026-12-05T13:00:00.1Z"],
  ]);
  assert.equal(dockerLines({ State: { Status: "exited", FinishedAt: "2026-12-05T14:00:00Z", ExitCode: 137, OOMKilled: true } }), [
    ["state", "exited since 2026-12-05T14:00:00Z, exit code 137, killed: out of memory"],
  ]);
  assert.equal(dockerLines("not a document"), [["state", "unknown"]]);
});

test("the text: the container, Docker's lines, then its events with seq and time", () => {
  const events = [started(8), at(11, { type: "ContainerRunning", data: ids })];
  const text = inspectText({ name: "db", node: "n1", docker: DOCKER, events });
  const lines = text.split("\n");
  assert.is(lines[0], "container db on node n1");
  assert.is(lines[1], "Docker (from the node's dockerd):");
  assert.is(lines[2], "  id          3f2a1b9c0d1e");
  const from = lines.indexOf("events (its own, from the history):");
  assert.match(lines[from + 1]!, /^ {5}8  2026-12-05T13:00:08\.000Z  ContainerStarted  ovl\.evt\.ctr\.n1\.db  name=db node=n1/);
  assert.match(lines[from + 2]!, /^ {4}11  2026-12-05T13:00:01\.000Z  ContainerRunning  ovl\.evt\.ctr\.n1\.db/);
  assert.match(inspectText({ name: "db", node: "n1", docker: {}, events: [] }), /events \(its own, from the history\):\n {2}\(none found in the history\)\n$/);
});

test("a name used again on the node: only the events of its last life count", () => {
  const old = [started(3), at(4, { type: "ContainerRunning", data: ids }), at(6, { type: "ContainerStopped", data: { ...ids, reason: "removed" } })];
  const now = [started(9), at(10, { type: "ContainerFailed", data: { ...ids, reason: "image not found" } })];
  assert.equal(lastLife([...old, ...now]).map((e) => e.seq), [9, 10]);
  assert.equal(lastLife(old).map((e) => e.seq), [3, 4, 6]);
  assert.equal(lastLife([]), []);
});

test.run();
