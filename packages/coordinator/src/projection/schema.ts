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
  cidr TEXT NOT NULL, block_prefix INTEGER NOT NULL, vni INTEGER NOT NULL, vxlan_port INTEGER NOT NULL, mtu INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
  name TEXT PRIMARY KEY, underlay_ip TEXT NOT NULL, agent_version TEXT NOT NULL, status TEXT NOT NULL,
  subnet TEXT, gateway TEXT, since TEXT NOT NULL, reason TEXT,
  has_last_seen INTEGER NOT NULL DEFAULT 0, last_seen TEXT
);
CREATE TABLE IF NOT EXISTS containers (
  node TEXT NOT NULL, name TEXT NOT NULL, ip TEXT NOT NULL, mac TEXT NOT NULL, image TEXT NOT NULL,
  cmd TEXT NOT NULL, ports TEXT NOT NULL, state TEXT NOT NULL, reason TEXT, exit_code INTEGER, since TEXT NOT NULL,
  options TEXT, origin TEXT,
  PRIMARY KEY (node, name)
);
CREATE TABLE IF NOT EXISTS requests (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, reply TEXT, open TEXT);
CREATE INDEX IF NOT EXISTS requests_open ON requests (seq) WHERE open IS NOT NULL;
`;

export type Db = Database.Database;

/**
 * A file written before containers had options (or an origin) gets the column (NULL: none,
 * which is exactly what every event it folded said), so it needs no rebuild. In column order.
 */
function addOptionalColumns(db: Db): void {
  const cols = db.prepare("PRAGMA table_info(containers)").all() as { name: string }[];
  for (const name of ["options", "origin"]) {
    if (!cols.some((c) => c.name === name)) db.exec(`ALTER TABLE containers ADD COLUMN ${name} TEXT`);
  }
}

/** Opens (creating if needed) the projection database in WAL mode. */
export function openDb(path: string, opts: { readonly?: boolean } = {}): Db {
  const db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  if (opts.readonly) return db;
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(DDL);
  addOptionalColumns(db);
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
