/**
 * The SQLite projection's tables: a mirror of ClusterState (cluster, nodes, containers),
 * the last applied stream sequence (meta), and the requests that decided events (so a
 * retried request gets the same reply, also after the stream's dedupe window).
 * Opening is idempotent; a file written by another schema version is refused, since
 * deleting it and replaying the stream rebuilds it exactly.
 */
import Database from "better-sqlite3";
import { OvlError, OvlErrorCodes } from "@ovl/domain";

export const PROJECTION_SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cluster (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  cidr TEXT NOT NULL, block_prefix INTEGER NOT NULL, vni INTEGER NOT NULL, vxlan_port INTEGER NOT NULL, mtu INTEGER NOT NULL,
  mode TEXT
);
CREATE TABLE IF NOT EXISTS nodes (
  name TEXT PRIMARY KEY, underlay_ip TEXT NOT NULL, agent_version TEXT NOT NULL, status TEXT NOT NULL,
  subnet TEXT, gateway TEXT, since TEXT NOT NULL, reason TEXT,
  has_last_seen INTEGER NOT NULL DEFAULT 0, last_seen TEXT,
  lan_prefix INTEGER, blocks TEXT
);
CREATE TABLE IF NOT EXISTS containers (
  node TEXT NOT NULL, name TEXT NOT NULL, ip TEXT NOT NULL, mac TEXT NOT NULL, image TEXT NOT NULL,
  cmd TEXT NOT NULL, ports TEXT NOT NULL, state TEXT NOT NULL, reason TEXT, exit_code INTEGER, since TEXT NOT NULL,
  options TEXT, aliases TEXT, origin TEXT, networks TEXT,
  PRIMARY KEY (node, name)
);
CREATE TABLE IF NOT EXISTS networks (
  name TEXT PRIMARY KEY, cidr TEXT NOT NULL, block_prefix INTEGER NOT NULL, vni INTEGER NOT NULL, internal INTEGER NOT NULL, since TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, reply TEXT, open TEXT);
CREATE INDEX IF NOT EXISTS requests_open ON requests (seq) WHERE open IS NOT NULL;
`;

export type Db = Database.Database;

/**
 * A file written before containers had options (then aliases, then an origin) gets the column (NULL: none,
 * which is exactly what every event it folded said), so it needs no rebuild. In this order:
 * the insert binds the columns by position.
 */
function addOptionsColumn(db: Db): void {
  addColumn(db, "containers", "options", "TEXT");
  addColumn(db, "containers", "aliases", "TEXT");
  addColumn(db, "containers", "origin", "TEXT");
}

/**
 * Likewise a file written before routing modes: the cluster's mode (NULL: vxlan) and each
 * node's LAN prefix (NULL: not told), exactly what the events it folded said.
 */
function addRoutingColumns(db: Db): void {
  addColumn(db, "cluster", "mode", "TEXT");
  addColumn(db, "nodes", "lan_prefix", "INTEGER");
}

/**
 * Likewise a file written before networks: each node's blocks of the other networks and each
 * container's networks (NULL: `ovl` only, what every event it folded said). The networks
 * table itself is made by the DDL, empty, as such a history has none.
 */
function addNetworkColumns(db: Db): void {
  addColumn(db, "nodes", "blocks", "TEXT");
  addColumn(db, "containers", "networks", "TEXT");
}

function addColumn(db: Db, table: string, column: string, type: string): void {
  const cols = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
  if (!cols.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
}

/** Opens (creating if needed) the projection database in WAL mode. */
export function openDb(path: string, opts: { readonly?: boolean } = {}): Db {
  const db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  if (opts.readonly) return db;
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(DDL);
  addOptionsColumn(db);
  addRoutingColumns(db);
  addNetworkColumns(db);
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined;
  if (!row) {
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?), ('last_seq', '0')").run(String(PROJECTION_SCHEMA_VERSION));
  } else if (row.value !== String(PROJECTION_SCHEMA_VERSION)) {
    db.close();
    throw new OvlError(
      OvlErrorCodes.Conflict,
      `projection ${path} has schema ${row.value}, this coordinator writes ${PROJECTION_SCHEMA_VERSION}: delete the file, it is rebuilt from the stream`,
    );
  }
  return db;
}
