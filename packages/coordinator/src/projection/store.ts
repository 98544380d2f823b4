/**
 * The projection: the in-memory ClusterState the coordinator decides from, and its SQLite
 * mirror. `apply` folds one stored event with the shared `applyStored` and buffers the rows
 * it touched; `flush` writes the buffered rows, the requests and `last_seq` in ONE
 * transaction, so the file is always the fold of a prefix of the stream. Events that do
 * not validate are logged and skipped, and still advance `last_seq`.
 */
import { StateDraft, emptyState, isRoutingMode, eventOf, type ClusterState, type ContainerRecord, type NetworkRecord, type Envelope, type OvlEvent } from "@ovl/domain";
import { openDb, type Db } from "./schema.js";
import { containerValues, networkValues, nodeValues, rowToContainer, rowToNetwork, rowToNode, type ContainerRow, type NetworkRow, type NodeRow } from "./rows.js";
import { requestRow, type OpenDecision, type RequestRow } from "./replies.js";

export interface Snapshot {
  readonly state: ClusterState;
  readonly seq: number;
}

/** Reads the state and last applied sequence back from the rows. */
export function loadSnapshot(db: Db): Snapshot {
  const seq = Number((db.prepare("SELECT value FROM meta WHERE key = 'last_seq'").get() as { value: string } | undefined)?.value ?? 0);
  const c = db.prepare("SELECT * FROM cluster WHERE id = 1").get() as Record<string, number | string> | undefined;
  const mode = c && isRoutingMode(c.mode) ? { mode: c.mode } : {};
  const cluster = c ? { cidr: String(c.cidr), blockPrefix: Number(c.block_prefix), vni: Number(c.vni), vxlanPort: Number(c.vxlan_port), mtu: Number(c.mtu), ...mode } : null;
  const byNode = new Map<string, Record<string, ContainerRecord>>();
  for (const row of db.prepare("SELECT * FROM containers").iterate() as Iterable<ContainerRow>) {
    const map = byNode.get(row.node) ?? {};
    map[row.name] = rowToContainer(row);
    byNode.set(row.node, map);
  }
  const nodes: Record<string, ReturnType<typeof rowToNode>> = {};
  for (const row of db.prepare("SELECT * FROM nodes").iterate() as Iterable<NodeRow>) {
    nodes[row.name] = rowToNode(row, byNode.get(row.name) ?? {});
  }
  const networks: Record<string, NetworkRecord> = {};
  for (const row of db.prepare("SELECT * FROM networks ORDER BY rowid").iterate() as Iterable<NetworkRow>) networks[row.name] = rowToNetwork(row);
  if (cluster === null && Object.keys(nodes).length === 0) return { state: emptyState, seq };
  return { state: Object.keys(networks).length > 0 ? { cluster, nodes, networks } : { cluster, nodes }, seq };
}

/** Opens a projection file read-only and returns its state: what a rebuild must reproduce. */
export function loadStateFromDb(path: string): Snapshot {
  const db = openDb(path, { readonly: true });
  try {
    return loadSnapshot(db);
  } finally {
    db.close();
  }
}

export interface StoredRequest {
  readonly seq: number;
  readonly reply: unknown;
  readonly open: OpenDecision | null;
}

/** The rows a batch of events touched, named from the events; written from the final state. */
class Touched {
  cluster = false;
  readonly nodes = new Set<string>();
  /** Nodes whose container rows are all rewritten (a node that left or joined again). */
  readonly resets = new Set<string>();
  /** `fresh`: started in this batch where no row was, so if it is gone again there is nothing to delete. */
  readonly containers = new Map<string, { node: string; name: string; fresh: boolean }>();
  /** Networks created or removed: their row is written from the final state, or deleted. */
  readonly networks = new Set<string>();
  /** Request rows by id, last one wins (as INSERT OR REPLACE would). */
  readonly requests = new Map<string, RequestRow>();

  /** `before`: the state the event applies to (the file holds it for rows not touched yet). */
  add(event: OvlEvent, before: ClusterState): void {
    switch (event.type) {
      case "ClusterCreated":
        this.cluster = true;
        return;
      case "NodeJoined":
      case "NodeLeft":
        this.resets.add(event.data.node);
        this.nodes.add(event.data.node);
        return;
      case "SubnetAssigned":
      case "NodeLeaving":
      case "NodeLost":
      case "NodeRecovered": // its containers stay as they were
        this.nodes.add(event.data.node);
        return;
      case "NetworkCreated":
        this.networks.add(event.data.network);
        return;
      case "NetworkRemoved":
        // The network's row goes, and so does the block of it each node held.
        this.networks.add(event.data.network);
        for (const n of Object.values(before.nodes)) if (n.blocks?.[event.data.network]) this.nodes.add(n.name);
        return;
      default: {
        const { node, name } = event.data;
        const key = `${node}\u0000${name}`;
        if (this.containers.has(key)) return;
        this.containers.set(key, { node, name, fresh: event.type === "ContainerStarted" && !before.nodes[node]?.containers[name] });
      }
    }
  }
}

export class Projection {
  #draft: StateDraft;
  #seq: number;
  #flushedSeq: number;
  #touched = new Touched();
  readonly #write: (t: Touched, state: ClusterState, seq: number) => void;
  readonly #getRequest;
  readonly #openRequests;

  constructor(
    private readonly db: Db,
    private readonly log: (line: string) => void = () => {},
  ) {
    const snap = loadSnapshot(db);
    this.#draft = new StateDraft(snap.state);
    this.#seq = snap.seq;
    this.#flushedSeq = this.#seq;
    this.#write = writer(db);
    this.#getRequest = db.prepare("SELECT seq, reply, open FROM requests WHERE id = ?");
    this.#openRequests = db.prepare("SELECT id, seq, open FROM requests WHERE open IS NOT NULL ORDER BY seq");
  }

  static open(path: string, log?: (line: string) => void): Projection {
    return new Projection(openDb(path), log);
  }

  /** The applied state, safe to keep (the fold copies before writing again). */
  get state(): ClusterState {
    return this.#draft.state;
  }
  /** The last stream sequence applied in memory. */
  get seq(): number {
    return this.#seq;
  }
  get dirty(): boolean {
    return this.#flushedSeq !== this.#seq;
  }

  /**
   * Folds the event stored at `seq`; `env` null for a message that did not validate. The
   * fold writes in place into maps it copied since the state was last handed out, so a
   * batch costs one copy per touched map; the rows to write are named from the event.
   */
  apply(seq: number, env: Envelope | null): void {
    if (seq <= this.#seq) return;
    this.#seq = seq;
    if (!env) return;
    const event = eventOf(env);
    this.#touched.add(event, this.#draft.peek);
    this.#draft.apply(event, env);
    const req = requestRow(env, seq, this.#draft.peek);
    if (req) this.#touched.requests.set(req.id, req);
  }

  /** Writes what was applied since the last flush, and the sequence, in one transaction. */
  flush(): void {
    if (!this.dirty) return;
    this.#write(this.#touched, this.#draft.peek, this.#seq);
    this.#touched = new Touched();
    this.#flushedSeq = this.#seq;
  }

  /**
   * For a catch-up's large transactions: a page cache of 64 MB instead of SQLite's 2 MB,
   * so a commit of many rows does not spill and re-read the pages it touches (the
   * requests index is keyed by random ids). Returns the function that restores it.
   */
  bulk(): () => void {
    const before = this.db.pragma("cache_size", { simple: true }) as number;
    this.db.pragma("cache_size = -65536");
    return () => {
      if (this.db.open) this.db.pragma(`cache_size = ${Number(before)}`);
    };
  }

  /** The row of a request, if any event of it was applied (flushed or not yet). */
  request(id: string): StoredRequest | undefined {
    const mem = this.#touched.requests.get(id);
    if (mem) return { seq: mem.seq, reply: mem.reply, open: mem.open };
    const row = this.#getRequest.get(id) as { seq: number; reply: string | null; open: string | null } | undefined;
    if (!row) return undefined;
    return { seq: row.seq, reply: row.reply === null ? null : JSON.parse(row.reply), open: row.open === null ? null : JSON.parse(row.open) };
  }

  /** Decisions cut between their events, oldest first. */
  openDecisions(): { id: string; seq: number; open: OpenDecision }[] {
    return (this.#openRequests.all() as { id: string; seq: number; open: string }[]).map((r) => ({ ...r, open: JSON.parse(r.open) as OpenDecision }));
  }

  close(): void {
    try {
      this.flush();
    } catch (err) {
      this.log(`projection: final flush failed: ${(err as Error).message}`);
    }
    this.db.close();
  }
}

function writer(db: Db): (t: Touched, state: ClusterState, seq: number) => void {
  const cluster = db.prepare("INSERT OR REPLACE INTO cluster (id, cidr, block_prefix, vni, vxlan_port, mtu, mode) VALUES (1, @cidr, @blockPrefix, @vni, @vxlanPort, @mtu, @mode)");
  const node = db.prepare("INSERT OR REPLACE INTO nodes (name, underlay_ip, agent_version, status, subnet, gateway, since, reason, has_last_seen, last_seen, lan_prefix, blocks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  const ctr = db.prepare("INSERT OR REPLACE INTO containers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  const net = db.prepare("INSERT OR REPLACE INTO networks (name, cidr, block_prefix, vni, internal, since) VALUES (?, ?, ?, ?, ?, ?)");
  const netDel = db.prepare("DELETE FROM networks WHERE name = ?");
  const ctrDel = db.prepare("DELETE FROM containers WHERE node = ? AND name = ?");
  const ctrReset = db.prepare("DELETE FROM containers WHERE node = ?");
  const request = db.prepare("INSERT OR REPLACE INTO requests (id, seq, reply, open) VALUES (?, ?, ?, ?)");
  const lastSeq = db.prepare("UPDATE meta SET value = ? WHERE key = 'last_seq'");
  return db.transaction((t: Touched, state: ClusterState, seq: number) => {
    if (t.cluster && state.cluster) cluster.run({ ...state.cluster, mode: state.cluster.mode ?? null });
    for (const name of t.nodes) {
      const rec = state.nodes[name];
      if (rec) node.run(nodeValues(rec)); // nodes are never removed from the state
    }
    for (const name of t.resets) {
      ctrReset.run(name);
      for (const c of Object.values(state.nodes[name]?.containers ?? {})) ctr.run(containerValues(c));
    }
    for (const { node: n, name, fresh } of t.containers.values()) {
      const c = state.nodes[n]?.containers[name];
      if (c) ctr.run(containerValues(c));
      else if (!fresh) ctrDel.run(n, name);
    }
    for (const name of t.networks) {
      const n = state.networks?.[name];
      if (n) net.run(networkValues(n));
      else netDel.run(name);
    }
    for (const r of t.requests.values()) request.run(r.id, r.seq, r.reply === null ? null : JSON.stringify(r.reply), r.open === null ? null : JSON.stringify(r.open));
    lastSeq.run(String(seq));
  });
}
