/**
 * The projection's file is the fold of what was applied, whatever the flush points: a
 * container started and removed inside one batch leaves no row (and no DELETE is needed),
 * one removed after being flushed is deleted, and a name reused inside a batch still
 * deletes the old holder's row; a lost node that recovers keeps its rows. Catch-up commits every 25,000 events, live every tick.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { envelope, foldEvents, macFor, type Envelope, type OvlEvent } from "@ovl/domain";
import { Projection, loadStateFromDb } from "@ovl/coordinator";

const dir = mkdtempSync(join(tmpdir(), "ovl-proj-batches-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const started = (name: string, ip: string): OvlEvent => ({ type: "ContainerStarted", data: { name, node: "n1", ip, mac: macFor(ip), image: "busybox", cmd: ["sleep", "1"], ports: [] } });
const stopped = (name: string, ip: string): OvlEvent => ({ type: "ContainerStopped", data: { name, node: "n1", ip, reason: "removed" } });

/** `null` marks a flush point. */
const history: (OvlEvent | null)[] = [
  { type: "ClusterCreated", data: { cidr: "198.19.0.0/16", blockPrefix: 24, vni: 4242, vxlanPort: 4789, mtu: 1450 } },
  { type: "NodeJoined", data: { node: "n1", underlayIp: "198.18.0.1", agentVersion: "t" } },
  { type: "SubnetAssigned", data: { node: "n1", subnet: "198.19.1.0/24", gateway: "198.19.1.1" } },
  null,
  started("a", "198.19.1.2"), // started and removed in one batch
  stopped("a", "198.19.1.2"),
  started("b", "198.19.1.3"), // flushed, then removed
  started("c", "198.19.1.4"), // flushed, then removed and its name reused in one batch
  null,
  stopped("b", "198.19.1.3"),
  stopped("c", "198.19.1.4"),
  started("c", "198.19.1.5"),
  stopped("c", "198.19.1.5"),
  started("d", "198.19.1.6"),
  null,
  { type: "NodeLost", data: { node: "n1", lastSeen: null } },
  null,
  // Back as it was: the node row changes, its container rows stay.
  { type: "NodeRecovered", data: { node: "n1", underlayIp: "198.18.0.1", agentVersion: "t2" } },
  null,
];

function rows(path: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT node, name, ip FROM containers ORDER BY 1, 2").all();
  } finally {
    db.close();
  }
}

test("rows equal the fold at every flush point, containers removed inside a batch included", () => {
  const path = join(dir, "p.db");
  const p = Projection.open(path);
  const applied: Envelope[] = [];
  let seq = 0;
  for (const e of history) {
    if (e === null) {
      p.flush();
      assert.equal(loadStateFromDb(path).state, foldEvents(applied), `at seq ${seq}`);
      continue;
    }
    const env = envelope(e, new Date(1e12 + seq * 1000).toISOString(), `r${seq}`);
    applied.push(env);
    p.apply(++seq, env);
  }
  p.close();
  assert.equal(rows(path), [{ node: "n1", name: "d", ip: "198.19.1.6" }]);
});

test("the routing mode and the nodes' LAN prefixes are kept, also in a file from before them (columns added on open)", () => {
  const path = join(dir, "modes.db");
  Projection.open(path).close();
  const old = new Database(path);
  old.exec("ALTER TABLE cluster DROP COLUMN mode; ALTER TABLE nodes DROP COLUMN lan_prefix");
  old.close();
  const p = Projection.open(path);
  const events: OvlEvent[] = [
    { type: "ClusterCreated", data: { cidr: "198.19.0.0/16", blockPrefix: 24, vni: 4242, vxlanPort: 4789, mtu: 1500, mode: "direct" } },
    { type: "NodeJoined", data: { node: "n1", underlayIp: "198.18.0.1", agentVersion: "t", lanPrefix: 24 } },
    { type: "NodeJoined", data: { node: "n2", underlayIp: "198.18.0.2", agentVersion: "t" } },
  ];
  const applied = events.map((e, i) => envelope(e, new Date(1e12 + i * 1000).toISOString(), `m${i}`));
  applied.forEach((env, i) => p.apply(i + 1, env));
  p.flush();
  p.close();
  const state = loadStateFromDb(path).state;
  assert.equal(state, foldEvents(applied));
  assert.is(state.cluster?.mode, "direct");
  assert.equal([state.nodes.n1?.lanPrefix, state.nodes.n2?.lanPrefix], [24, undefined]);
});

test.run();
