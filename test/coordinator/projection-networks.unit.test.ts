/**
 * A projection file written before networks (the DDL of that version, below) opens as it is:
 * the new columns are added empty, its state reads back as before (`ovl` only), and it then
 * folds network events like a new file would.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { envelope, foldEvents, type Envelope, type OvlEvent } from "@ovl/domain";
import { Projection, loadStateFromDb } from "@ovl/coordinator";

/** The tables as the previous version made them (meta, cluster, nodes, containers, requests). */
const OLD_DDL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE cluster (id INTEGER PRIMARY KEY CHECK (id = 1), cidr TEXT NOT NULL, block_prefix INTEGER NOT NULL, vni INTEGER NOT NULL, vxlan_port INTEGER NOT NULL, mtu INTEGER NOT NULL, mode TEXT);
CREATE TABLE nodes (name TEXT PRIMARY KEY, underlay_ip TEXT NOT NULL, agent_version TEXT NOT NULL, status TEXT NOT NULL, subnet TEXT, gateway TEXT, since TEXT NOT NULL, reason TEXT, has_last_seen INTEGER NOT NULL DEFAULT 0, last_seen TEXT, lan_prefix INTEGER);
CREATE TABLE containers (node TEXT NOT NULL, name TEXT NOT NULL, ip TEXT NOT NULL, mac TEXT NOT NULL, image TEXT NOT NULL, cmd TEXT NOT NULL, ports TEXT NOT NULL, state TEXT NOT NULL, reason TEXT, exit_code INTEGER, since TEXT NOT NULL, options TEXT, aliases TEXT, origin TEXT, PRIMARY KEY (node, name));
CREATE TABLE requests (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, reply TEXT, open TEXT);
`;

const T = "2026-01-01T00:00:00.000Z";
const history: Envelope[] = ([
  { type: "ClusterCreated", data: { cidr: "198.19.0.0/18", blockPrefix: 24, vni: 1, vxlanPort: 4789, mtu: 1450 } },
  { type: "NodeJoined", data: { node: "n1", underlayIp: "198.18.0.11", agentVersion: "0.1.0" } },
  { type: "SubnetAssigned", data: { node: "n1", subnet: "198.19.0.0/24", gateway: "198.19.0.1" } },
  { type: "ContainerStarted", data: { name: "web", node: "n1", ip: "198.19.0.2", mac: "0a:58:c6:13:00:02", image: "busybox", cmd: [], ports: [] } },
] as OvlEvent[]).map((e) => envelope(e, T));
const later: Envelope[] = ([
  { type: "NetworkCreated", data: { network: "a", cidr: "198.19.48.0/20", blockPrefix: 24, vni: 2, internal: false } },
  { type: "SubnetAssigned", data: { node: "n1", subnet: "198.19.48.0/24", gateway: "198.19.48.1", network: "a" } },
] as OvlEvent[]).map((e) => envelope(e, T));

test("a file of the previous schema opens, reads back, and folds network events", () => {
  const dir = mkdtempSync(join(tmpdir(), "ovl-proj-"));
  try {
    const path = join(dir, "old.db");
    const old = new Database(path);
    old.exec(OLD_DDL);
    old.prepare("INSERT INTO meta VALUES ('schema', '1'), ('last_seq', '4')").run();
    old.prepare("INSERT INTO cluster VALUES (1, '198.19.0.0/18', 24, 1, 4789, 1450, NULL)").run();
    old.prepare("INSERT INTO nodes VALUES ('n1', '198.18.0.11', '0.1.0', 'ready', '198.19.0.0/24', '198.19.0.1', ?, NULL, 0, NULL, NULL)").run(T);
    old.prepare("INSERT INTO containers VALUES ('n1', 'web', '198.19.0.2', '0a:58:c6:13:00:02', 'busybox', '[]', '[]', 'pending', NULL, NULL, ?, NULL, NULL, NULL)").run(T);
    old.close();

    const p = Projection.open(path);
    assert.equal(p.state, foldEvents(history));
    later.forEach((env, i) => p.apply(5 + i, env));
    p.close();
    const back = loadStateFromDb(path);
    assert.is(back.seq, 6);
    assert.equal(back.state, foldEvents([...history, ...later]));
    assert.equal(back.state.nodes.n1?.blocks, { a: { subnet: "198.19.48.0/24", gateway: "198.19.48.1" } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
